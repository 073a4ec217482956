/// Who is reading or writing OpenADR objects: the tenant rows are owned by, and whether it sees every tenant.
///
/// The API layer builds one from its authenticated principal. Every repository call takes a viewer, and every
/// query filters by it, so another tenant's object is indistinguishable from a missing one.
public struct Viewer: Sendable, Hashable {
    /// The `clients.id` (a UUID string) of the caller: the owner of what it creates.
    public var clientKey: String
    /// Operators see and change every tenant's objects.
    public var seesAll: Bool

    public init(clientKey: String, seesAll: Bool) {
        self.clientKey = clientKey
        self.seesAll = seesAll
    }
}
