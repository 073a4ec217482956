/// The randomised hold-back (control) group of an event: a deterministic share of its eligible vehicles that are
/// left to charge normally, so reports can estimate the curtailment against them as well as against each
/// vehicle's own baseline.
///
/// Membership is a pure function of (event id, vehicle id): FNV-1a 64 over `"<event>\n<vehicle>"`, read as a
/// fraction of 2⁶⁴, below ``share``. Every process, every pass and the report agree without storing anything, and a
/// vehicle is in one event's control group independently of the next event's.
public struct ControlGroup: Sendable, Hashable {
    /// The fraction of eligible vehicles held back, 0...1 (`CURTAIL_CONTROL_SHARE`). 0 disables the control group.
    public var share: Double

    public init(share: Double) { self.share = min(1, max(0, share)) }

    /// The stored and reported ineligibility code of a held-back vehicle.
    public static let ineligibility = Ineligibility(rawValue: "control_group")

    /// Whether `vehicleID` is held back in `eventID`.
    public func contains(eventID: String, vehicleID: String) -> Bool {
        share > 0 && Self.fraction(eventID: eventID, vehicleID: vehicleID) < share
    }

    /// The vehicle's position in [0, 1) for this event.
    public static func fraction(eventID: String, vehicleID: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in eventID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0x0a) &* 0x0000_0100_0000_01b3
        for byte in vehicleID.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        // FNV's low bits mix poorly over short suffixes; one xorshift-multiply round spreads them.
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return Double(hash >> 11) / Double(1 << 53)
    }

    /// Applies the hold-back to a plan: an eligible vehicle in the control group is left normal, recorded as
    /// ineligible with ``ineligibility``, and planned to draw its baseline.
    public func apply(to plan: VehiclePlan, eventID: String) -> VehiclePlan {
        guard plan.eligibility.isEligible, contains(eventID: eventID, vehicleID: plan.vehicleID) else { return plan }
        return VehiclePlan(
            vehicleID: plan.vehicleID, target: .normal, eligibility: .ineligible(Self.ineligibility), baselineKW: plan.baselineKW,
            plannedKW: plan.baselineKW)
    }
}
