/// Whether a vehicle takes part in a plan, and if not, why.
public enum Eligibility: Sendable, Hashable {
    case eligible
    case ineligible(Ineligibility)

    /// The reason, or `nil` when eligible.
    public var reason: Ineligibility? {
        if case .ineligible(let reason) = self { return reason }
        return nil
    }

    public var isEligible: Bool { reason == nil }
}
