/// The filters and page of an OpenADR collection request (`GET /events?programID=…&skip=…&limit=…`).
///
/// Filters combine with AND; ``targetValues`` combine with OR: an object matches when one of its targets has type
/// ``targetType`` and holds any of the values. Results are ordered by creation time, then id, so paging is stable.
public struct ListQuery: Sendable, Hashable {
    /// Objects to skip. Defaults to 0.
    public var skip: Int
    /// The most objects to return. Defaults to 50, the spec's maximum.
    public var limit: Int
    public var targetType: String?
    public var targetValues: [String]
    /// `programID` (events, reports, subscriptions).
    public var programID: String?
    /// `eventID` (reports).
    public var eventID: String?
    /// `clientName` (reports, subscriptions).
    public var clientName: String?
    /// `objects` (subscriptions): matches a subscription with any of these object types.
    public var objects: [String]
    /// `venName` (vens).
    public var venName: String?
    /// `resourceName` (resources).
    public var resourceName: String?

    public init(
        skip: Int = 0, limit: Int = 50, targetType: String? = nil, targetValues: [String] = [],
        programID: String? = nil, eventID: String? = nil, clientName: String? = nil, objects: [String] = [],
        venName: String? = nil, resourceName: String? = nil
    ) {
        self.skip = skip
        self.limit = limit
        self.targetType = targetType
        self.targetValues = targetValues
        self.programID = programID
        self.eventID = eventID
        self.clientName = clientName
        self.objects = objects
        self.venName = venName
        self.resourceName = resourceName
    }
}
