/// An OpenADR report (`report`, objectType `REPORT`): what a VEN measured for an event.
///
/// Required on the wire: `programID`, `eventID`, `clientName`, `resources`. Report interval ids repeat the event's
/// interval ids (README §10). Validate with ``validated(limits:)``.
public struct Report: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var programID: String
    public var eventID: String
    /// The reporting VEN's name (1–128 characters).
    public var clientName: String
    public var reportName: String?
    public var payloadDescriptors: [ReportPayloadDescriptor]?
    public var resources: [ReportResource]

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .report, programID: String, eventID: String, clientName: String,
        reportName: String? = nil, payloadDescriptors: [ReportPayloadDescriptor]? = nil, resources: [ReportResource]
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.programID = programID
        self.eventID = eventID
        self.clientName = clientName
        self.reportName = reportName
        self.payloadDescriptors = payloadDescriptors
        self.resources = resources
    }
}
