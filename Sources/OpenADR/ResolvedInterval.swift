import Foundation

/// One event interval on the concrete timeline: absolute start and end, and what it asks for.
///
/// The interval covers `[start, end)`: start inclusive, end exclusive, so back-to-back intervals never both
/// contain an instant. `end` is `Date.distantFuture` for a `P9999Y` ("until changed or deleted") duration.
/// Times are nominal: `randomizeStart` is carried for the planner, not applied.
public struct ResolvedInterval: Sendable, Hashable {
    /// Position in the event's `intervals` array (resolution order).
    public var index: Int
    /// The interval's `id` label, as sent.
    public var id: Int32
    public var start: Date
    public var end: Date
    /// The duration the interval resolved to (its own, else the event's).
    public var duration: ISODuration
    /// The maximum ± start shift a VEN may apply: the interval's own, else the event's; `nil` for none.
    public var randomizeStart: ISODuration?
    /// The payloads as sent.
    public var payloads: [ValuesMap]
    /// One request per payload, in payload order.
    public var requests: [ShedRequest]

    public init(
        index: Int, id: Int32, start: Date, end: Date, duration: ISODuration, randomizeStart: ISODuration? = nil,
        payloads: [ValuesMap], requests: [ShedRequest]
    ) {
        self.index = index
        self.id = id
        self.start = start
        self.end = end
        self.duration = duration
        self.randomizeStart = randomizeStart
        self.payloads = payloads
        self.requests = requests
    }

    /// `true` when `start <= date < end`.
    public func contains(_ date: Date) -> Bool {
        start <= date && date < end
    }

    /// The actionable requests (``ShedRequest/isActionable``).
    public var actionableRequests: [ShedRequest] { requests.filter(\.isActionable) }
}
