/// An operation on an object: the CRUD words of `subscription.objectOperations.operations` and the HTTP verbs of 3.0.1 `notification.operation`.
///
/// An open set: any string is a legal value (the spec allows private names), and the static constants name the
/// values the spec defines. Encodes as the bare string.
public struct Operation: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }


    public static let read = Operation(rawValue: "READ")
    public static let create = Operation(rawValue: "CREATE")
    public static let update = Operation(rawValue: "UPDATE")
    public static let delete = Operation(rawValue: "DELETE")
    public static let get = Operation(rawValue: "GET")
    public static let post = Operation(rawValue: "POST")
    public static let put = Operation(rawValue: "PUT")
}

extension Operation {
    /// The CRUD words `subscription.objectOperations.operations` defines.
    public static let crud: Set<Operation> = [.read, .create, .update, .delete]
    /// The HTTP verbs 3.0.1 `notification.operation` uses.
    public static let httpVerbs: Set<Operation> = [.get, .post, .put, .delete]

    /// The CRUD word for this operation: `POST` → `CREATE`, `PUT` → `UPDATE`, `GET` → `READ`, `DELETE` → `DELETE`;
    /// CRUD words map to themselves; `nil` for anything else. Both vocabularies occur in the wild (README §9).
    public var normalized: Operation? {
        switch self {
        case .read, .get: return .read
        case .create, .post: return .create
        case .update, .put: return .update
        case .delete: return .delete
        default: return nil
        }
    }
}
