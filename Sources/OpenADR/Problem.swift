/// An error body (`problem`), RFC 9457 shape as the 3.0.1 YAML declares it: every 4xx/5xx outside `/auth/token`.
///
/// None of the members is required by the schema; Curtail always sends `title`, `status` and `detail`.
/// `errors` is an RFC 9457 extension member (absent unless set) listing each invalid field as a JSON pointer and
/// a message, as RFC 9457's own example does; ``init(status:title:validationError:instance:)`` fills it.
public struct Problem: Sendable, Hashable, Codable, Error {
    /// A URI naming the problem type; `about:blank` by default.
    public var type: String?
    public var title: String?
    /// HTTP status, 100–599.
    public var status: Int?
    public var detail: String?
    public var instance: String?
    public var errors: [FieldError]?

    /// One invalid field.
    public struct FieldError: Sendable, Hashable, Codable {
        /// JSON pointer (RFC 6901) into the request body, e.g. `/intervals/2/payloads/0/values/0`.
        public var pointer: String
        public var detail: String

        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public init(
        type: String? = "about:blank", title: String? = nil, status: Int? = nil, detail: String? = nil,
        instance: String? = nil, errors: [FieldError]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
    }

    /// A problem for a rejected body: `detail` summarises the issues and `errors` lists each one.
    /// - Parameters:
    ///   - status: 400 for a malformed or missing field, 422 for a well-formed but unacceptable value; the caller
    ///     decides (``OpenADRValidationError`` does not).
    public init(
        status: Int = 400, title: String = "Bad Request", validationError: OpenADRValidationError,
        instance: String? = nil
    ) {
        self.init(
            title: title, status: status, detail: validationError.description, instance: instance,
            errors: validationError.issues.map { FieldError(pointer: $0.pointer, detail: $0.message) })
    }
}
