/// An OpenADR resource (`resource`, objectType `RESOURCE`): one device or site behind a VEN.
///
/// Required on the wire: `resourceName` (1–128, unique within its VEN). `venID` is set by the VTN from the path.
public struct Resource: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var resourceName: String
    public var venID: String?
    public var attributes: [ValuesMap]?
    public var targets: [ValuesMap]?

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .resource, resourceName: String, venID: String? = nil,
        attributes: [ValuesMap]? = nil, targets: [ValuesMap]? = nil
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.resourceName = resourceName
        self.venID = venID
        self.attributes = attributes
        self.targets = targets
    }
}
