import Foundation
import Logging
import Postgres
import Secrets

/// Opt-outs and the drivers' one-vehicle opt-out links.
///
/// A link token is 256 random bits shown once; only its SHA-256 is stored. It authorises exactly one thing: opting
/// its vehicle out (``vehicle(forLinkToken:)``); it is not a bearer token for any other endpoint.
public struct OptOutStore: Sendable {
    let pool: PostgresPool
    let logger: Logger

    public init(pool: PostgresPool, logger: Logger = Logger(label: "curtail.fleet.optouts")) {
        self.pool = pool
        self.logger = logger
    }

    static func optOut(_ row: PostgresRow) throws -> OptOut {
        OptOut(
            id: try row.decode(UUID.self, column: "id"), vehicleID: try row.decode(UUID.self, column: "vehicle_id"),
            eventID: try row.decode(String?.self, column: "event_id"), until: try row.decode(Date?.self, column: "until"),
            source: try row.decode(String.self, column: "source"), createdAt: try row.decode(Date.self, column: "created_at"))
    }

    /// Records an opt-out: of `eventID`, until `until`, or (both nil) of the event in progress or else the next one.
    /// - Throws: ``FleetError/notFound(_:)`` for an unknown or removed vehicle; ``FleetError/conflict(_:)`` when the
    ///   vehicle is already opted out of `eventID`.
    public func create(vehicleID: UUID, eventID: String?, until: Date?, source: String) async throws -> OptOut {
        let rows: PostgresRows
        do {
            rows = try await pool.query(
                """
                INSERT INTO opt_outs (vehicle_id, event_id, until, source)
                SELECT id, \(eventID), \(until), \(source) FROM vehicles WHERE id = \(vehicleID) AND status <> 'removed'
                RETURNING id, vehicle_id, event_id, until, source, created_at
                """)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw FleetError.conflict("The vehicle is already opted out of this event.")
        }
        guard let row = rows.first else { throw FleetError.notFound("vehicle") }
        let optOut = try Self.optOut(row)
        logger.info("vehicle opted out", metadata: ["vehicle_id": "\(vehicleID)", "source": "\(source)"])
        return optOut
    }

    /// The vehicle's opt-outs, newest first.
    public func list(vehicleID: UUID, skip: Int, limit: Int) async throws -> [OptOut] {
        try await pool.query(
            """
            SELECT id, vehicle_id, event_id, until, source, created_at FROM opt_outs WHERE vehicle_id = \(vehicleID)
            ORDER BY created_at DESC, id OFFSET \(skip) LIMIT \(limit)
            """
        ).map(Self.optOut)
    }

    /// Issues a link token for one vehicle, valid until `expiresAt`. Returns nil for an unknown or removed vehicle.
    public func createLink(vehicleID: UUID, expiresAt: Date) async throws -> String? {
        let token = SecureRandom.token()
        let inserted = try await pool.execute(
            """
            INSERT INTO opt_out_links (token_hash, vehicle_id, expires_at)
            SELECT \(Digest.sha256(Array(token.utf8))), id, \(expiresAt) FROM vehicles WHERE id = \(vehicleID) AND status <> 'removed'
            """)
        return inserted == 1 ? token : nil
    }

    /// The vehicle a live link token opts out, or nil for an unknown or expired token (or a removed vehicle).
    public func vehicle(forLinkToken token: String) async throws -> UUID? {
        try await pool.query(
            """
            SELECT l.vehicle_id FROM opt_out_links l JOIN vehicles v ON v.id = l.vehicle_id
            WHERE l.token_hash = \(Digest.sha256(Array(token.utf8))) AND l.expires_at > now() AND v.status <> 'removed'
            """
        ).first?.decode(UUID.self, column: "vehicle_id")
    }
}
