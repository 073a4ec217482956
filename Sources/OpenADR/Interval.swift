/// One interval of an event or a report (`interval`).
///
/// `id` is a client-chosen int32 label, not a sequence number: resolution follows array order (README §8).
/// `intervalPeriod`, when present, overrides the parent's default period for this interval.
public struct Interval: Sendable, Hashable, Codable {
    public var id: Int32
    public var intervalPeriod: IntervalPeriod?
    public var payloads: [ValuesMap]

    public init(id: Int32, intervalPeriod: IntervalPeriod? = nil, payloads: [ValuesMap]) {
        self.id = id
        self.intervalPeriod = intervalPeriod
        self.payloads = payloads
    }
}
