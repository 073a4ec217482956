import Foundation

/// An event that passed ``Event/validated(now:limits:)``: safe to store and act on.
///
/// Holds the event as sent (for storage and echoing), its resolved ``EventTimeline``, and the notices for
/// payloads Curtail keeps but does not act on.
public struct ValidatedEvent: Sendable, Hashable {
    /// The event as sent.
    public let event: Event
    /// The resolved intervals.
    public let timeline: EventTimeline
    /// One entry per payload of a type Curtail does not act on (pointer to the payload, and why). These are not
    /// errors: such payloads are stored and echoed, and ``ShedRequest/unsupported(type:)`` stands for them.
    public let notActedOn: [OpenADRValidationError.Issue]

    /// `priority`, with `nil` (unspecified) treated as the lowest priority, `Int.max`. Lower wins.
    public var effectivePriority: Int { event.priority ?? .max }

    /// The interval in force at `date`; see ``EventTimeline/activeInterval(at:)``.
    public func activeInterval(at date: Date) -> ResolvedInterval? {
        timeline.activeInterval(at: date)
    }

    /// `true` when at least one payload is one Curtail acts on.
    public var isActionable: Bool {
        timeline.intervals.contains { !$0.actionableRequests.isEmpty }
    }
}
