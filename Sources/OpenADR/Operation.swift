/// An operation on an object: the CRUD words of `subscription.objectOperations.operations` and the HTTP verbs of 3.0.1 `notification.operation`.
///
/// An ``OpenString``: the static constants name the values the spec defines.
public struct Operation: OpenString {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

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
