import Testing

@testable import Simulator

@Suite struct PhysicsTests {
    func vehicle(soc: Double = 50, limit: Int = 80, amps: Int = 32, enabled: Bool = true) -> Vehicle {
        var rng = SplitMix64(seed: 1)
        var v = FleetGenerator.makeVehicle(
            index: 0, vendor: .tesla, make: .tesla, accountIndex: 0, market: "US", simStart: 0, rng: &rng)
        v.volts = 240
        v.phases = 1
        v.maxAmps = 48
        for lane in [\Vehicle.actual, \Vehicle.counterfactual] {
            v[keyPath: lane].soc = soc
            v[keyPath: lane].chargeLimit = limit
            v[keyPath: lane].amps = amps
            v[keyPath: lane].chargeEnabled = enabled
            v[keyPath: lane].pluggedIn = true
            v[keyPath: lane].evseNoPower = false
            v[keyPath: lane].timeline = []
        }
        ChargingPhysics.settle(&v, at: 0)
        return v
    }

    @Test func power_IsVoltsTimesAmpsTimesPhases() {
        var v = vehicle(amps: 32)
        #expect(v.power(v.actual) == 240 * 32 / 1000.0)
        v.phases = 3
        v.volts = 230
        v.actual.amps = 16
        #expect(abs(v.power(v.actual) - 230 * 16 * 3 / 1000.0) < 1e-9)
    }

    @Test func advance_AddsEnergyAndSoC_Linearly() {
        var v = vehicle(soc: 50, limit: 100, amps: 32)
        let capacity = v.capacityKWh
        ChargingPhysics.advance(&v, to: 3600, sleepAfter: nil)
        #expect(abs(v.actual.totalEnergyKWh - 7.68) < 1e-9)
        #expect(abs(v.actual.soc - (50 + 7.68 / capacity * 100)) < 1e-9)
    }

    @Test func advance_StopsAtChargeLimit_AndRecordsTheExactTime() {
        var v = vehicle(soc: 79, limit: 80, amps: 32)
        let toLimit = 0.01 * v.capacityKWh
        ChargingPhysics.advance(&v, to: 10 * 3600, sleepAfter: nil)
        #expect(v.actual.soc == 80)
        #expect(!v.isDrawing(v.actual))
        #expect(v.power(v.actual) == 0)
        #expect(abs(v.actual.totalEnergyKWh - toLimit) < 1e-9)
        #expect(abs(v.actual.timeline.last!.time - toLimit / 7.68 * 3600) < 1e-6)
        #expect(abs(ChargingPhysics.energy(v.actual.timeline, from: 0, to: 10 * 3600) - toLimit) < 1e-9)
    }

    @Test func energy_IntegratesAPartialWindow() {
        let timeline = [PowerPoint(time: 0, kW: 10), PowerPoint(time: 3600, kW: 0), PowerPoint(time: 7200, kW: 4)]
        #expect(abs(ChargingPhysics.energy(timeline, from: 1800, to: 9000) - (5 + 0 + 2)) < 1e-9)
    }

    @Test func idleTesla_FallsAsleep_ButNotWhileCharging() {
        var charging = vehicle(soc: 20, limit: 100)
        ChargingPhysics.advance(&charging, to: 1000, sleepAfter: 900)
        #expect(!charging.asleep)
        var idle = vehicle(enabled: false)
        ChargingPhysics.advance(&idle, to: 1000, sleepAfter: 900)
        #expect(idle.asleep)
    }

    @Test func generator_IsDeterministicForASeed() {
        let a = FleetGenerator.generate(count: 50, seed: 9, simStart: 0, wallStart: 0, limits: .documented)
        let b = FleetGenerator.generate(count: 50, seed: 9, simStart: 0, wallStart: 0, limits: .documented)
        let c = FleetGenerator.generate(count: 50, seed: 10, simStart: 0, wallStart: 0, limits: .documented)
        #expect(a.vehicles.map(\.vendorID) == b.vehicles.map(\.vendorID))
        #expect(a.accounts.map(\.accessToken) == b.accounts.map(\.accessToken))
        #expect(a.vehicles.map(\.vendorID) != c.vehicles.map(\.vendorID))
        #expect(a.vehicles.allSatisfy { $0.vin.count == 17 })
        #expect(Set(a.vehicles.map(\.vendor)) == [.tesla, .smartcar])
    }

    @Test func latency_Parses() {
        #expect(FaultConfig.parseLatency("2s±1s")! == (2, 1))
        #expect(FaultConfig.parseLatency("500ms")! == (0.5, 0))
        #expect(FaultConfig.parseLatency("2s+-250ms")! == (2, 0.25))
        #expect(FaultConfig.parseLatency("fast") == nil)
    }

    @Test func json_KeepsIntegersAndDecimalsApart() {
        #expect(JSONValue.parse(Array(#"{"percent": 75}"#.utf8))?["percent"] == .int(75))
        #expect(JSONValue.parse(Array(#"{"percent": 75.5}"#.utf8))?["percent"] == .double(75.5))
        #expect(
            JSONValue.parse(Array(#"{"a": [true, null, "x\"y"]}"#.utf8))?["a"]
                == .array([.bool(true), .null, .string("x\"y")]))
        #expect(JSONValue.parse(Array("{".utf8)) == nil)
    }
}
