/// The token endpoint's error body (`authError`, RFC 6749 §5.2). 400, except bad client credentials (401).
public struct AuthError: Sendable, Hashable, Codable, Error {
    public var error: Code
    public var errorDescription: String?
    public var errorURI: String?

    public init(error: Code, errorDescription: String? = nil, errorURI: String? = nil) {
        self.error = error
        self.errorDescription = errorDescription
        self.errorURI = errorURI
    }

    private enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
        case errorURI = "error_uri"
    }

    /// The RFC 6749 error code; an open set, with the six the YAML enumerates as constants.
    public struct Code: OpenString {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let invalidClient = Code(rawValue: "invalid_client")
        public static let invalidGrant = Code(rawValue: "invalid_grant")
        public static let invalidScope = Code(rawValue: "invalid_scope")
        public static let unauthorizedClient = Code(rawValue: "unauthorized_client")
        public static let unsupportedGrantType = Code(rawValue: "unsupported_grant_type")
    }
}
