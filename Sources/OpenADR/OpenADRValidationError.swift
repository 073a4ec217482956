/// A body that does not meet OpenADR 3.0.1 or Curtail's requirements: every problem found, each with the field
/// it concerns.
///
/// Validation collects all issues rather than stopping at the first, so one 400/422 response can name them all.
/// `description` lists pointers and messages only; messages never quote secrets (bearer tokens, client secrets)
/// and quote client-supplied strings only truncated.
public struct OpenADRValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem.
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// JSON pointer (RFC 6901) into the body, e.g. `/intervals/2/payloads/0/values/0`; `""` for the whole body.
        public var pointer: String
        /// What is wrong, for a person.
        public var message: String

        public init(pointer: String, message: String) {
            self.pointer = pointer
            self.message = message
        }

        public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
    }

    /// The problems, in the order found (document order). Never empty.
    public var issues: [Issue]

    public init(issues: [Issue]) {
        precondition(!issues.isEmpty, "an OpenADRValidationError lists at least one issue")
        self.issues = issues
    }

    /// One issue.
    public init(pointer: String, message: String) {
        self.init(issues: [Issue(pointer: pointer, message: message)])
    }

    /// The issue pointers, for tests and logs.
    public var pointers: [String] { issues.map(\.pointer) }

    public var description: String { issues.map(\.description).joined(separator: "; ") }

    /// Translates a `DecodingError` (a missing required field, a wrong type, a malformed date-time or duration)
    /// into one issue whose pointer is the failing field.
    public init(_ error: DecodingError) {
        func pointer(_ path: [any CodingKey]) -> String {
            path.map { key in
                let token = key.intValue.map(String.init) ?? key.stringValue
                return "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(pointer: pointer(context.codingPath + [key]), message: "required field is missing")
        case .valueNotFound(_, let context):
            self.init(pointer: pointer(context.codingPath), message: "required value is null")
        case .typeMismatch(let type, let context):
            self.init(
                pointer: pointer(context.codingPath), message: "expected \(OpenADRValidationError.jsonName(type))")
        case .dataCorrupted(let context):
            let message = context.codingPath.isEmpty ? "body is not valid JSON" : context.debugDescription
            self.init(pointer: pointer(context.codingPath), message: message)
        @unknown default:
            self.init(pointer: "", message: "body could not be decoded")
        }
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of another type"
        }
    }
}
