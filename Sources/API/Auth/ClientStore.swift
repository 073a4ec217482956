import Foundation
import Postgres
import Secrets

/// API clients and their bearer tokens, in Postgres. Secrets and tokens are 256-bit random values stored only as
/// SHA-256 digests: a database dump reveals neither, and at that entropy a fast digest cannot be brute-forced.
public struct ClientStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// A newly created client's credentials. The secret exists only in this value: it is never stored.
    public struct Credentials: Sendable, Encodable {
        public let clientID: String
        public let clientSecret: String
        public let name: String
        public let scopes: [String]

        enum CodingKeys: String, CodingKey {
            case clientID = "client_id"
            case clientSecret = "client_secret"
            case name, scopes
        }
    }

    /// Creates a client with a fresh secret. `clientID` defaults to a slug of the name plus random suffix.
    /// - Throws: `PostgresError` (a unique violation when `clientID` is taken).
    public func create(name: String, scopes: [Scope], clientID: String? = nil) async throws -> Credentials {
        let clientID = clientID ?? Self.slug(name) + "-" + String(SecureRandom.token(byteCount: 6).prefix(8))
        let secret = SecureRandom.token()
        let scopeList = scopes.map(\.rawValue)
        try await pool.execute(
            "INSERT INTO clients (client_id, name, secret_hash, scopes) VALUES (\(clientID), \(name), \(Digest.sha256(Array(secret.utf8))), \(scopeList))")
        return Credentials(clientID: clientID, clientSecret: secret, name: name, scopes: scopeList)
    }

    /// The client whose id and secret match, or `nil`. Compares digests in constant time.
    public func verify(clientID: String, secret: String) async throws -> Principal? {
        let rows = try await pool.query(
            "SELECT id::text AS key, secret_hash, scopes FROM clients WHERE client_id = \(clientID) AND disabled_at IS NULL")
        guard let row = rows.first else {
            _ = Digest.sha256(Array(secret.utf8))  // same work either way: timing does not reveal which ids exist
            return nil
        }
        let stored = try row.decode([UInt8].self, column: "secret_hash")
        guard Digest.constantTimeEquals(stored, Digest.sha256(Array(secret.utf8))) else { return nil }
        let scopes = try row.decode([String].self, column: "scopes")
        return Principal(clientKey: try row.decode(String.self, column: "key"), clientID: clientID, scopes: Set(scopes.map(Scope.init)))
    }

    /// Issues an opaque bearer token for `principal`, valid for `lifetime`.
    public func issueToken(for principal: Principal, lifetime: Duration) async throws -> String {
        let token = SecureRandom.token()
        let seconds = Int(lifetime.components.seconds)
        try await pool.execute(
            """
            INSERT INTO access_tokens (token_hash, client_pk, scopes, expires_at)
            VALUES (\(Digest.sha256(Array(token.utf8))), \(principal.clientKey)::uuid, \(principal.scopes.map(\.rawValue).sorted()),
                    now() + make_interval(secs => \(seconds)))
            """)
        // Expired tokens are dead weight: sweep a few on each issue rather than running a separate job.
        try await pool.execute(
            "DELETE FROM access_tokens WHERE token_hash IN (SELECT token_hash FROM access_tokens WHERE expires_at < now() - interval '1 hour' LIMIT 100)")
        return token
    }

    /// The principal a live token belongs to, or `nil` for an unknown or expired token.
    public func principal(forToken token: String) async throws -> Principal? {
        let rows = try await pool.query(
            """
            SELECT c.id::text AS key, c.client_id, t.scopes FROM access_tokens t JOIN clients c ON c.id = t.client_pk
            WHERE t.token_hash = \(Digest.sha256(Array(token.utf8))) AND t.expires_at > now() AND c.disabled_at IS NULL
            """)
        guard let row = rows.first else { return nil }
        return Principal(
            clientKey: try row.decode(String.self, column: "key"), clientID: try row.decode(String.self, column: "client_id"),
            scopes: Set(try row.decode([String].self, column: "scopes").map(Scope.init)))
    }

    static func slug(_ name: String) -> String {
        let lowered = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let collapsed = String(lowered).split(separator: "-").joined(separator: "-")
        return String(collapsed.prefix(40)).isEmpty ? "client" : String(collapsed.prefix(40))
    }
}
