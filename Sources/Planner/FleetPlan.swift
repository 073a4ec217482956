/// The planner's answer for a group of vehicles: one ``VehiclePlan`` per vehicle, in input order, and whether a
/// capacity limit can be held.
public struct FleetPlan: Sendable, Hashable {
    /// One plan per input vehicle, in input order.
    public var vehicles: [VehiclePlan]
    /// The import capacity limit planned for, in kW; `nil` for requests without one.
    public var capKW: Double?
    /// How far the planned draw exceeds ``capKW`` with every curtailable vehicle at its deepest allowed target,
    /// in kW: positive only when load Curtail may not curtail (ineligible, or the vendor cannot) exceeds the cap.
    /// 0 when the cap is held or there is no cap.
    public var shortfallKW: Double

    public init(vehicles: [VehiclePlan], capKW: Double? = nil, shortfallKW: Double = 0) {
        self.vehicles = vehicles
        self.capKW = capKW
        self.shortfallKW = shortfallKW
    }

    /// `false` when a capacity limit cannot be held (``shortfallKW`` > 0).
    public var isFeasible: Bool { shortfallKW <= 0 }
    /// Sum of ``VehiclePlan/baselineKW``.
    public var baselineKW: Double { vehicles.reduce(0) { $0 + $1.baselineKW } }
    /// Sum of ``VehiclePlan/plannedKW``.
    public var plannedKW: Double { vehicles.reduce(0) { $0 + $1.plannedKW } }
    /// The plan for `vehicleID`, if it was planned.
    public subscript(vehicleID: String) -> VehiclePlan? { vehicles.first { $0.vehicleID == vehicleID } }
}
