/// An OpenADR VEN (`ven`, objectType `VEN`): a client standing for customer resources.
///
/// Required on the wire: `venName` (1–128, unique per VTN). Inline `resources` are echoed back (README §6).
public struct VEN: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var venName: String
    public var attributes: [ValuesMap]?
    public var targets: [ValuesMap]?
    public var resources: [Resource]?

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .ven, venName: String, attributes: [ValuesMap]? = nil,
        targets: [ValuesMap]? = nil, resources: [Resource]? = nil
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.venName = venName
        self.attributes = attributes
        self.targets = targets
        self.resources = resources
    }
}
