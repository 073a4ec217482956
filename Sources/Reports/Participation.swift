/// A vehicle's part in one event interval, as reports count it.
///
/// Stable snake_case codes; an ineligible vehicle's code carries the planner's reason: `ineligible:<reason>`.
public struct ParticipationState: RawRepresentable, Sendable, Hashable, Codable, Comparable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Asked to curtail; the command was sent (or is queued or being retried) but not yet confirmed.
    public static let commanded = ParticipationState(rawValue: "commanded")
    /// The vendor confirmed the curtailment (done, or already in that state).
    public static let confirmed = ParticipationState(rawValue: "confirmed")
    /// The vendor refused for good (permanent error, re-consent needed).
    public static let failed = ParticipationState(rawValue: "failed")
    /// Retried until the reconciler gave up for now (asleep, timeouts, rate limits).
    public static let unreachable = ParticipationState(rawValue: "unreachable")
    public static let optedOut = ParticipationState(rawValue: "opted_out")
    public static let notPluggedIn = ParticipationState(rawValue: "not_plugged_in")
    public static let notCharging = ParticipationState(rawValue: "not_charging")
    /// Held back in the event's control group: eligible, deliberately not curtailed.
    public static let control = ParticipationState(rawValue: "control")
    /// Planned but left normal with no reason (e.g. a capacity limit already met): eligible, not needed.
    public static let notNeeded = ParticipationState(rawValue: "not_needed")

    public static func ineligible(_ reason: String) -> ParticipationState { ParticipationState(rawValue: "ineligible:\(reason)") }

    /// Whether Curtail tried to curtail the vehicle in the interval (the treatment group).
    public var isCurtailed: Bool { self == .commanded || self == .confirmed || self == .failed || self == .unreachable }

    public static func < (lhs: ParticipationState, rhs: ParticipationState) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The last vendor call recorded for the vehicle and event before the interval ended (`vehicle_commands`,
    /// wakes excluded).
    public struct LastCommand: Sendable, Hashable {
        public var command: String
        public var outcome: String
        public var reason: String?
        public var attempt: Int
        public init(command: String, outcome: String, reason: String? = nil, attempt: Int = 1) {
            self.command = command
            self.outcome = outcome
            self.reason = reason
            self.attempt = attempt
        }
    }

    /// Attempts after which a vehicle still failing retryably counts as unreachable (the reconciler's default).
    public static let unreachableAfterAttempts = 8

    /// Derives the state from the interval plan (`target`, `ineligible`) and the last command.
    public static func derive(target: String, ineligible: String?, lastCommand: LastCommand?) -> ParticipationState {
        if let ineligible {
            switch ineligible {
            case "control_group": return .control
            case "opted_out": return .optedOut
            case "not_plugged_in": return .notPluggedIn
            case "not_charging": return .notCharging
            default: return .ineligible(ineligible)
            }
        }
        guard target != "normal" else { return .notNeeded }
        guard let lastCommand else { return .commanded }
        switch lastCommand.outcome {
        case "done", "already":
            // The reconciler's capture found the cable out: nothing to curtail.
            if lastCommand.reason == "not_plugged_in" { return .notPluggedIn }
            // A capture alone is not a confirmation: the curtailing command is still to come.
            return lastCommand.command == "capture" ? .commanded : .confirmed
        case "failed": return .failed
        default: return lastCommand.attempt >= unreachableAfterAttempts ? .unreachable : .commanded
        }
    }
}
