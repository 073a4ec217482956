/// One entry of `subscription.objectOperations`: notify `callbackUrl` of these operations on these objects.
///
/// `bearerToken` is sent by the VTN as `Authorization: Bearer …` on each callback. It is a secret: it is not part
/// of ``description``-style output anywhere in this module. Encoding always writes the `bearerToken` key, as
/// `null` when there is none, because some clients require the key (README §11).
public struct ObjectOperation: Sendable, Hashable, Codable {
    public var objects: [ObjectType]
    /// CRUD words (`READ CREATE UPDATE DELETE`); the HTTP verbs are accepted too and echoed as stored.
    public var operations: [Operation]
    public var callbackUrl: String
    public var bearerToken: String?

    public init(objects: [ObjectType], operations: [Operation], callbackUrl: String, bearerToken: String? = nil) {
        self.objects = objects
        self.operations = operations
        self.callbackUrl = callbackUrl
        self.bearerToken = bearerToken
    }

    private enum CodingKeys: String, CodingKey {
        case objects, operations, callbackUrl, bearerToken
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(objects, forKey: .objects)
        try container.encode(operations, forKey: .operations)
        try container.encode(callbackUrl, forKey: .callbackUrl)
        try container.encode(bearerToken, forKey: .bearerToken)
    }
}
