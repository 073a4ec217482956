/// The planner's answer for one vehicle.
public struct VehiclePlan: Sendable, Hashable {
    public var vehicleID: String
    /// The desired charging state.
    public var target: ChargingTarget
    /// Whether the vehicle takes part; a reason when it does not (or cannot do what the request asks).
    public var eligibility: Eligibility
    /// What the vehicle draws without Curtail, in kW (DESIGN §6): the pre-curtailment power, 0 when it is not
    /// charging or its draw is unknown.
    public var baselineKW: Double
    /// What the vehicle is expected to draw under ``target``, in kW. For a vehicle whose draw is unknown this is
    /// the assumption the capacity allocation counted (its maximum amps), not 0.
    public var plannedKW: Double

    public init(
        vehicleID: String, target: ChargingTarget, eligibility: Eligibility, baselineKW: Double, plannedKW: Double
    ) {
        self.vehicleID = vehicleID
        self.target = target
        self.eligibility = eligibility
        self.baselineKW = baselineKW
        self.plannedKW = plannedKW
    }

    /// The expected reduction, in kW: `max(0, baselineKW − plannedKW)`.
    public var curtailedKW: Double { max(0, baselineKW - plannedKW) }
}
