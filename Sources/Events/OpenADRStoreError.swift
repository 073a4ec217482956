/// Why an OpenADR store operation was refused, in terms the API maps to a status.
///
/// `description` is safe to log: it holds object ids and field names, never object contents or tokens.
public struct OpenADRStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No such object visible to the viewer (404).
        case notFound
        /// The change clashes with existing state: a duplicate name, or a program that still has events (409).
        case conflict
        /// The body names an object that does not exist or is not the viewer's (400), at ``pointer``.
        case invalidReference
    }

    public var kind: Kind
    /// For ``Kind/invalidReference``: the JSON pointer of the offending field (`/programID`).
    public var pointer: String?
    /// A sentence for the client.
    public var detail: String

    public init(_ kind: Kind, _ detail: String, pointer: String? = nil) {
        self.kind = kind
        self.detail = detail
        self.pointer = pointer
    }

    static func notFound(_ what: String, _ id: String) -> OpenADRStoreError {
        OpenADRStoreError(.notFound, "\(what) \(id) was not found.")
    }

    public var description: String { "OpenADRStoreError(\(kind): \(detail))" }
}
