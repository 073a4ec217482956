/// An OpenADR subscription (`subscription`, objectType `SUBSCRIPTION`): which object changes to POST as
/// notifications to which callback URLs.
///
/// Required on the wire: `clientName`, `programID`, `objectOperations`. Validate with ``validated(limits:)``.
public struct Subscription: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var clientName: String
    public var programID: String
    public var objectOperations: [ObjectOperation]
    /// Filters notifications to objects matching these targets.
    public var targets: [ValuesMap]?

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .subscription, clientName: String, programID: String,
        objectOperations: [ObjectOperation], targets: [ValuesMap]? = nil
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.clientName = clientName
        self.programID = programID
        self.objectOperations = objectOperations
        self.targets = targets
    }
}
