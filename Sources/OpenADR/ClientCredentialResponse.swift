/// The token response (`clientCredentialResponse`), JSON with snake_case fields.
///
/// `token_type` is `Bearer`. `expires_in` (seconds) is optional in the schema but Curtail always sends it; send
/// `scope` only when it equals what was requested, or when the request named none (README §4).
public struct ClientCredentialResponse: Sendable, Hashable, Codable, CustomStringConvertible {
    public var accessToken: String
    public var tokenType: String
    public var expiresIn: Int?
    public var refreshToken: String?
    public var scope: String?

    public init(
        accessToken: String, tokenType: String = "Bearer", expiresIn: Int?, refreshToken: String? = nil,
        scope: String? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }

    /// Leaves the tokens out.
    public var description: String {
        "ClientCredentialResponse(token_type: \(tokenType), expires_in: \(expiresIn.map(String.init) ?? "nil"))"
    }
}
