import Foundation

/// The token request body (`clientCredentialRequest`), `application/x-www-form-urlencoded`, snake_case fields.
///
/// `grant_type` must be `client_credentials`; `client_id` and `client_secret` are 1–4096 characters; `scope` is
/// space-separated (0–4096). The secret is never part of ``description``.
/// When the client authenticates with HTTP Basic instead (RFC 6749 §2.3.1), the body carries only `grant_type`
/// and `scope`, so `clientID` and `clientSecret` are optional here; the HTTP layer merges the two sources.
public struct ClientCredentialRequest: Sendable, Hashable, Codable, CustomStringConvertible {
    public var grantType: String
    public var clientID: String?
    public var clientSecret: String?
    public var scope: String?

    public init(
        grantType: String = "client_credentials", clientID: String?, clientSecret: String?, scope: String? = nil
    ) {
        self.grantType = grantType
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
    }

    private enum CodingKeys: String, CodingKey {
        case grantType = "grant_type"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case scope
    }

    /// The requested scopes, split on spaces; empty when `scope` is absent or blank.
    public var scopes: [String] {
        (scope ?? "").split(separator: " ").map(String.init)
    }

    public var description: String {
        "ClientCredentialRequest(grant_type: \(grantType), client_id: \(clientID ?? "nil"), scope: \(scope ?? "nil"))"
    }

    /// Parses a form body (`a=b&c=d`, `+` as space, percent-decoding). Returns `nil` when a byte sequence is not
    /// valid percent-encoding or UTF-8, when a field is repeated, or when `grant_type` is missing. Unknown fields are
    /// ignored. Field values are not validated here; see ``AuthError``.
    public init?(formURLEncoded body: String) {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            guard fields[key] == nil else { return nil }
            fields[key] = value
        }
        guard let grantType = fields["grant_type"] else { return nil }
        self.init(
            grantType: grantType, clientID: fields["client_id"], clientSecret: fields["client_secret"],
            scope: fields["scope"])
    }
}
