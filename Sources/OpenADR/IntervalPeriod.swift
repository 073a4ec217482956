/// The time span of an event, an interval, a program or a report resource (`intervalPeriod`).
///
/// `start` is required whenever the object is present. `duration` defaults to `PT0S` ("instantaneous or infinity,
/// depending on payloadType"); `randomizeStart` is the maximum ± shift a VEN may apply to the start (default: none).
public struct IntervalPeriod: Sendable, Hashable, Codable {
    public var start: DateTime
    public var duration: ISODuration?
    public var randomizeStart: ISODuration?

    public init(start: DateTime, duration: ISODuration? = nil, randomizeStart: ISODuration? = nil) {
        self.start = start
        self.duration = duration
        self.randomizeStart = randomizeStart
    }
}
