/// What a BL asks VENs to report on an event (`event.reportDescriptors[]`).
///
/// Optional fields stay `nil` when absent so round trips are exact; the `effective…` accessors apply the spec's
/// defaults (`aggregate` false, `startInterval` -1, `numIntervals` -1, `historical` true, `frequency` -1,
/// `repeat` 1).
public struct ReportDescriptor: Sendable, Hashable, Codable {
    public var payloadType: PayloadType
    public var readingType: String?
    public var units: Units?
    public var targets: [ValuesMap]?
    public var aggregate: Bool?
    public var startInterval: Int?
    public var numIntervals: Int?
    public var historical: Bool?
    public var frequency: Int?
    public var `repeat`: Int?

    public init(
        payloadType: PayloadType, readingType: String? = nil, units: Units? = nil, targets: [ValuesMap]? = nil,
        aggregate: Bool? = nil, startInterval: Int? = nil, numIntervals: Int? = nil, historical: Bool? = nil,
        frequency: Int? = nil, repeat: Int? = nil
    ) {
        self.payloadType = payloadType
        self.readingType = readingType
        self.units = units
        self.targets = targets
        self.aggregate = aggregate
        self.startInterval = startInterval
        self.numIntervals = numIntervals
        self.historical = historical
        self.frequency = frequency
        self.repeat = `repeat`
    }

    /// `aggregate`, default `false`: one result per resource.
    public var effectiveAggregate: Bool { aggregate ?? false }
    /// `startInterval`, default `-1`: report at the end of the last interval.
    public var effectiveStartInterval: Int { startInterval ?? -1 }
    /// `numIntervals`, default `-1`: all intervals.
    public var effectiveNumIntervals: Int { numIntervals ?? -1 }
    /// `historical`, default `true`.
    public var effectiveHistorical: Bool { historical ?? true }
    /// `frequency`, default `-1`: same as `numIntervals`.
    public var effectiveFrequency: Int { frequency ?? -1 }
    /// `repeat`, default `1`; `-1` means indefinitely.
    public var effectiveRepeat: Int { self.repeat ?? 1 }
}
