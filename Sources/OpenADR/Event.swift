/// An OpenADR event (`event`, objectType `EVENT`): a program's instruction over one or more intervals.
///
/// Required on the wire: `programID`, `intervals`. The VTN-provisioned fields are optional as for ``Program``.
/// `priority`: lower is more important, `0` highest, `nil` unspecified (treated as lowest).
/// There is no status field in 3.0.1: an event is cancelled by DELETE or modified by PUT (README §9).
/// Validate and resolve with ``validated(now:limits:)``.
public struct Event: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var programID: String
    public var eventName: String?
    public var priority: Int?
    public var targets: [ValuesMap]?
    public var reportDescriptors: [ReportDescriptor]?
    public var payloadDescriptors: [EventPayloadDescriptor]?
    /// Default start and duration for intervals that carry none.
    public var intervalPeriod: IntervalPeriod?
    public var intervals: [Interval]

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .event, programID: String, eventName: String? = nil, priority: Int? = nil,
        targets: [ValuesMap]? = nil, reportDescriptors: [ReportDescriptor]? = nil,
        payloadDescriptors: [EventPayloadDescriptor]? = nil, intervalPeriod: IntervalPeriod? = nil,
        intervals: [Interval]
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.programID = programID
        self.eventName = eventName
        self.priority = priority
        self.targets = targets
        self.reportDescriptors = reportDescriptors
        self.payloadDescriptors = payloadDescriptors
        self.intervalPeriod = intervalPeriod
        self.intervals = intervals
    }
}
