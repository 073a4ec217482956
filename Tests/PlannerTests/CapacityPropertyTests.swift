import Foundation
import Testing

@testable import Planner

/// SplitMix64: a small seeded generator, so every run sees the same fleets.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct CapacityPropertyTests {
    static func randomFleet(_ rng: inout SeededGenerator) -> (
        vehicles: [VehicleSnapshot], preferences: [String: DriverPreferences]
    ) {
        var vehicles: [VehicleSnapshot] = []
        var preferences: [String: DriverPreferences] = [:]
        for n in 0..<Int.random(in: 1...30, using: &rng) {
            let id = "v\(n)"
            let soc = Double(Int.random(in: 5...95, using: &rng))
            let state = Int.random(in: 0..<20, using: &rng)
            let (pluggedIn, charging): (Bool?, Bool?) =
                switch state {
                case 0: (false, false)
                case 1: (true, false)
                case 2: (true, nil)
                default: (true, true)
                }
            if Bool.random(using: &rng) {
                // Tesla: a few electrical classes, so "similar vehicles" recur.
                let (voltage, phases, maxAmps) = [(240.0, 1, 32), (240.0, 1, 48), (230.0, 3, 16), (208.0, 1, 40)]
                    .randomElement(using: &rng)!
                var car = VehicleSnapshot.tesla(
                    id, soc: soc,
                    amps: [maxAmps, maxAmps / 2, Int.random(in: 5...maxAmps, using: &rng)]
                        .randomElement(using: &rng)!,
                    minAmps: 5, maxAmps: maxAmps, voltage: voltage, phases: phases, charging: charging,
                    pluggedIn: pluggedIn)
                if Int.random(in: 0..<8, using: &rng) == 0 { car.telemetry.amps = nil }
                if Int.random(in: 0..<8, using: &rng) == 0 { car.telemetry.powerKW = nil }
                vehicles.append(car)
            } else {
                let make = [Make.volkswagen, .ford, .nissan, .chevrolet, .bmw, .hyundai].randomElement(using: &rng)!
                var car = VehicleSnapshot.smartcar(
                    id, make: make, soc: soc, powerKW: Double(Int.random(in: 14...110, using: &rng)) / 10,
                    country: ["US", "CA", nil].randomElement(using: &rng)!,
                    os: [nil, 7, 8].randomElement(using: &rng)!,
                    hasSchedule: Bool.random(using: &rng), charging: charging)
                car.telemetry.pluggedIn = pluggedIn
                vehicles.append(car)
            }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: preferences[id] = DriverPreferences(optedOutOfEvent: true)
            case 1: preferences[id] = DriverPreferences(minimumSoC: 40)
            case 2: preferences[id] = DriverPreferences(departure: now.addingTimeInterval(30 * 60))
            default: break
            }
        }
        return (vehicles, preferences)
    }

    @Test func capIsHeld_AmpsStayInRange_AndLowerSoCIsServedFirst_For200Fleets() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        var infeasible = 0
        var binding = 0
        for _ in 0..<200 {
            let (vehicles, preferences) = Self.randomFleet(&rng)
            let total = vehicles.reduce(0) { $0 + $1.kW(amps: $1.maxAmps) }
            let cap = Double.random(in: 0...(total * 1.1), using: &rng)
            let result = Planner.plan(
                request: .importCapacityLimit(kW: cap), vehicles: vehicles, preferences: preferences, now: now)
            #expect(result.vehicles.map(\.vehicleID) == vehicles.map(\.id))

            // Held whenever feasible; when not, the shortfall is exactly the excess.
            if result.isFeasible {
                #expect(result.plannedKW <= cap + 1e-6, "planned \(result.plannedKW) kW over cap \(cap) kW")
            } else {
                infeasible += 1
                #expect(abs(result.plannedKW - cap - result.shortfallKW) < 1e-6)
            }
            if result.vehicles.contains(where: { $0.target != .normal }) { binding += 1 }

            // Infeasible only when load Curtail may not touch already exceeds the cap.
            let untouchableKW = result.vehicles.filter { !$0.eligibility.isEligible }.reduce(0) { $0 + $1.plannedKW }
            if untouchableKW <= cap - 1e-6 { #expect(result.isFeasible) }

            for (vehicle, planned) in zip(vehicles, result.vehicles) {
                let capabilities = VehicleCapabilities(for: vehicle)
                if !planned.eligibility.isEligible { #expect(planned.target == .normal) }
                if case .limited(let amps) = planned.target {
                    #expect(capabilities.canSetAmps)
                    #expect(capabilities.ampsRange.contains(amps), "\(vehicle.id) limited to \(amps) A")
                }
                if planned.target == .stopped { #expect(capabilities.canCurtailByStop) }
            }

            // Among similar eligible Teslas (same electrics and demand), lower SoC never gets fewer amps.
            let teslas = zip(vehicles, result.vehicles).filter {
                $0.0.vendor == .tesla && $0.1.eligibility.isEligible && $0.0.telemetry.amps != nil
            }
            func granted(_ vehicle: VehicleSnapshot, _ plan: VehiclePlan) -> Int {
                switch plan.target {
                case .stopped: 0
                case .limited(let amps): amps
                case .normal: vehicle.telemetry.amps ?? vehicle.maxAmps
                }
            }
            for (a, planA) in teslas {
                for (b, planB) in teslas
                where a.voltage == b.voltage && a.phases == b.phases && a.maxAmps == b.maxAmps
                    && a.telemetry.amps == b.telemetry.amps && a.telemetry.soc! < b.telemetry.soc!
                {
                    #expect(granted(a, planA) >= granted(b, planB), "\(a.id) vs \(b.id)")
                }
            }
        }
        // The generator must exercise the interesting cases.
        #expect(binding > 100)
        #expect(infeasible > 0)
    }
}
