import Foundation

@testable import Planner

extension VehicleSnapshot {
    /// A charging Tesla (Fleet API): 240 V, 1 phase, 5...32 A, drawing `amps`.
    static func tesla(
        _ id: String, soc: Double = 60, amps: Int = 32, minAmps: Int = 5, maxAmps: Int = 32, voltage: Double = 240,
        phases: Int = 1, charging: Bool? = true, pluggedIn: Bool? = true, chargeLimit: Double = 90,
        batteryKWh: Double = 75
    ) -> VehicleSnapshot {
        VehicleSnapshot(
            id: id, vendor: .tesla, make: .tesla, countryCode: "US", voltage: voltage, phases: phases,
            minAmps: minAmps, maxAmps: maxAmps, batteryKWh: batteryKWh,
            telemetry: VehicleTelemetry(
                pluggedIn: pluggedIn, charging: charging, amps: charging == true ? amps : 0,
                powerKW: charging == true ? voltage * Double(amps * phases) / 1000 : 0, soc: soc,
                chargeLimit: chargeLimit, hasSchedule: false))
    }

    /// A charging vehicle through Smartcar (no amps control), drawing `powerKW`.
    static func smartcar(
        _ id: String, make: Make = .volkswagen, soc: Double = 60, powerKW: Double = 7.2, country: String? = "US",
        os: Int? = nil, hasSchedule: Bool? = false, charging: Bool? = true, chargeLimit: Double = 90
    ) -> VehicleSnapshot {
        VehicleSnapshot(
            id: id, vendor: .smartcar, make: make, countryCode: country, osMajorVersion: os, voltage: 240, phases: 1,
            minAmps: 6, maxAmps: 32, batteryKWh: 60,
            telemetry: VehicleTelemetry(
                pluggedIn: true, charging: charging, powerKW: charging == true ? powerKW : 0, soc: soc,
                chargeLimit: chargeLimit, hasSchedule: hasSchedule))
    }
}

let now = Date(timeIntervalSince1970: 1_900_000_000)

func plan(
    _ request: ShedRequestFixture, _ vehicles: [VehicleSnapshot], preferences: [String: DriverPreferences] = [:],
    policy: PlanningPolicy = PlanningPolicy(), until: Date? = nil, heldBack: Set<String> = []
) -> FleetPlan {
    Planner.plan(
        request: request.request, vehicles: vehicles, preferences: preferences, now: now, policy: policy, until: until,
        heldBack: heldBack)
}
