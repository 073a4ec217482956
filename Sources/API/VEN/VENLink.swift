import Foundation
import Postgres
import Secrets

/// The persistent state of Curtail's link to its upstream VTN (`ven_links`): the registration, the local owner of
/// mirrored objects, the webhook token's salt and the sync lease. Everything a restarted process needs to resume.
public struct VENLinkState: Sendable {
    public var upstreamURL: String
    /// The local `clients.id` that owns mirrored programs and events.
    public var owner: String
    /// The upstream's id of Curtail's VEN object, once registered.
    public var venID: String?
    var tokenSalt: [UInt8]
    public var lastNotificationAt: Date?
    public var lastPollAt: Date?
}

/// Reads and writes ``VENLinkState``, and derives and checks the webhook bearer token.
///
/// The token is `base64url(HMAC-SHA256(client secret, salt ‖ venName))`: every Curtail process computes the same
/// token without storing it, a rotated client secret rotates it, and the database holds only the random salt and
/// (per subscription) the token's SHA-256. A presented token is checked by comparing SHA-256 digests in constant
/// time.
public struct VENLink: Sendable {
    let pool: PostgresPool
    public let configuration: VENConfiguration

    public init(pool: PostgresPool, configuration: VENConfiguration) {
        self.pool = pool
        self.configuration = configuration
    }

    /// Creates the link row (and its owner client) if missing, and returns the state.
    public func ensure() async throws -> VENLinkState {
        if let state = try await load() { return state }
        let host = URL(string: configuration.upstreamURL)?.host ?? "upstream"
        let clientID = "ven-upstream-" + Hex.encode(Digest.sha256(Array(configuration.upstreamURL.utf8))).prefix(16)
        // A client no one can sign in as: no scopes, and the digest of a secret that is thrown away.
        try await pool.execute(
            """
            INSERT INTO clients (client_id, name, secret_hash, scopes)
            VALUES (\(clientID), \("Upstream VTN \(host)".prefix(200).description), \(Digest.sha256(SecureRandom.bytes(32))), \([String]()))
            ON CONFLICT (client_id) DO NOTHING
            """)
        try await pool.execute(
            """
            INSERT INTO ven_links (upstream_url, ven_name, owner, token_salt)
            SELECT \(configuration.upstreamURL), \(configuration.venName), id, \(SecureRandom.bytes(32)) FROM clients WHERE client_id = \(clientID)
            ON CONFLICT (upstream_url) DO NOTHING
            """)
        guard let state = try await load() else { throw VENLinkError("the VEN link row could not be created") }
        return state
    }

    public func load() async throws -> VENLinkState? {
        let rows = try await pool.query(
            """
            SELECT owner::text AS owner, ven_id, ven_name, token_salt, last_notification_at, last_poll_at
            FROM ven_links WHERE upstream_url = \(configuration.upstreamURL)
            """)
        guard let row = rows.first else { return nil }
        // A renamed VEN registers again under its new name.
        let venName = try row.decode(String.self, column: "ven_name")
        return VENLinkState(
            upstreamURL: configuration.upstreamURL, owner: try row.decode(String.self, column: "owner"),
            venID: venName == configuration.venName ? try row.decode(String?.self, column: "ven_id") : nil,
            tokenSalt: try row.decode([UInt8].self, column: "token_salt"),
            lastNotificationAt: try row.decode(Date?.self, column: "last_notification_at"),
            lastPollAt: try row.decode(Date?.self, column: "last_poll_at"))
    }

    /// The bearer token the upstream must send on notifications.
    func webhookToken(_ state: VENLinkState) -> String {
        Base64URL.encode(Digest.hmacSHA256(key: Array(configuration.clientSecret.utf8), message: state.tokenSalt + Array(configuration.venName.utf8)))
    }

    /// Whether `presented` is the webhook token (constant time in where they differ).
    func verify(_ presented: String, _ state: VENLinkState) -> Bool {
        Digest.constantTimeEquals(Digest.sha256(Array(presented.utf8)), Digest.sha256(Array(webhookToken(state).utf8)))
    }

    func recordRegistration(venID: String) async throws {
        try await pool.execute(
            "UPDATE ven_links SET ven_id = \(venID), ven_name = \(configuration.venName) WHERE upstream_url = \(configuration.upstreamURL)")
    }

    func recordNotification() async throws {
        try await pool.execute("UPDATE ven_links SET last_notification_at = now() WHERE upstream_url = \(configuration.upstreamURL)")
    }

    func recordPoll() async throws {
        try await pool.execute("UPDATE ven_links SET last_poll_at = now() WHERE upstream_url = \(configuration.upstreamURL)")
    }

    /// Takes or renews the sync lease for `holder`. - Returns: whether `holder` has it now.
    func acquireLease(holder: String, for duration: Duration) async throws -> Bool {
        let rows = try await pool.query(
            """
            UPDATE ven_links SET lease_holder = \(holder), lease_until = now() + make_interval(secs => \(Double(duration.components.seconds)))
            WHERE upstream_url = \(configuration.upstreamURL) AND (lease_until < now() OR lease_holder = \(holder))
            RETURNING 1 AS held
            """)
        return !rows.isEmpty
    }

    func releaseLease(holder: String) async throws {
        try await pool.execute(
            "UPDATE ven_links SET lease_until = '-infinity' WHERE upstream_url = \(configuration.upstreamURL) AND lease_holder = \(holder)")
    }
}

/// A VEN-mode step that cannot proceed; `description` names it without secrets.
public struct VENLinkError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
