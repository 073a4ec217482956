import Foundation
import Logging
import Postgres
import Secrets
import Vendors

/// Vendor accounts and their OAuth tokens, in Postgres.
///
/// Tokens are sealed with AES-256-GCM (``SecretBox``) under `CURTAIL_SECRET_KEY`, with associated data
/// `vendor_account:<id>:access_token` / `:refresh_token`; plaintext tokens exist only in memory, for the duration
/// of a vendor call, and are never logged or returned by the API.
///
/// Refreshing (``credentials(for:using:)``) happens under `SELECT ... FOR UPDATE` on the account row, so two
/// Curtail processes never spend the same refresh token twice (vendors rotate it: the second would fail and the
/// account would look revoked).
public struct VendorAccountStore: Sendable {
    let pool: PostgresPool
    let box: SecretBox?
    let logger: Logger
    /// Tokens expiring sooner than this are refreshed before use. 5 minutes.
    public static let refreshMargin: TimeInterval = 5 * 60

    /// - Parameter box: the key to seal tokens with; nil when `CURTAIL_SECRET_KEY` is not configured (every call
    ///   that needs a token then throws ``FleetError/secretKeyUnavailable``).
    public init(pool: PostgresPool, box: SecretBox?, logger: Logger = Logger(label: "curtail.fleet.accounts")) {
        self.pool = pool
        self.box = box
        self.logger = logger
    }

    static func associatedData(_ id: UUID, _ column: String) -> String {
        "vendor_account:\(id.uuidString.lowercased()):\(column)"
    }

    private func sealer() throws(FleetError) -> SecretBox {
        guard let box else { throw .secretKeyUnavailable }
        return box
    }

    private func seal(_ credentials: VendorCredentials, id: UUID) throws -> (access: [UInt8], refresh: [UInt8]) {
        let box = try sealer()
        return (
            try box.seal(credentials.accessToken, associatedData: Self.associatedData(id, "access_token")),
            try box.seal(credentials.refreshToken, associatedData: Self.associatedData(id, "refresh_token"))
        )
    }

    static let selectColumns = """
        SELECT a.id, a.vendor, a.external_id, a.status, a.status_reason, a.groups, a.expires_at, a.last_refreshed_at,
               a.last_synced_at, a.created_at, a.updated_at,
               (SELECT count(*) FROM vehicles v WHERE v.account_id = a.id AND v.status <> 'removed') AS vehicle_count
        FROM vendor_accounts a
        """

    static func account(_ row: PostgresRow) throws -> VendorAccount {
        VendorAccount(
            id: try row.decode(UUID.self, column: "id"), vendor: try row.decode(String.self, column: "vendor"),
            externalID: try row.decode(String?.self, column: "external_id"),
            status: try row.decode(String.self, column: "status"),
            statusReason: try row.decode(String?.self, column: "status_reason"),
            groups: try row.decode([String].self, column: "groups"),
            expiresAt: try row.decode(Date.self, column: "expires_at"),
            lastRefreshedAt: try row.decode(Date?.self, column: "last_refreshed_at"),
            lastSyncedAt: try row.decode(Date?.self, column: "last_synced_at"),
            vehicleCount: try row.decode(Int.self, column: "vehicle_count"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"))
    }

    /// Stores a new account with its tokens sealed.
    /// - Throws: ``FleetError/secretKeyUnavailable``; ``FleetError/conflict(_:)`` when `externalID` is already stored
    ///   for this vendor.
    public func create(
        vendor: VendorName, externalID: String?, credentials: VendorCredentials, groups: [String]
    ) async throws -> VendorAccount {
        let id = UUID()
        let sealed = try seal(credentials, id: id)
        do {
            try await pool.execute(
                """
                INSERT INTO vendor_accounts (id, vendor, external_id, access_token_box, refresh_token_box, expires_at, groups)
                VALUES (\(id), \(vendor.rawValue), \(externalID), \(sealed.access), \(sealed.refresh),
                        \(credentials.expiresAt), \(groups)::text[])
                """)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw FleetError.conflict("A \(vendor) account with this external_id is already stored.")
        }
        guard let account = try await get(id) else { throw FleetError.notFound("vendor account") }
        return account
    }

    public func get(_ id: UUID) async throws -> VendorAccount? {
        try await pool.query("\(unescaped: Self.selectColumns) WHERE a.id = \(id)").first.map(Self.account)
    }

    /// Accounts, oldest first, optionally filtered by vendor and status.
    public func list(vendor: String?, status: String?, skip: Int, limit: Int) async throws -> [VendorAccount] {
        try await pool.query(
            """
            \(unescaped: Self.selectColumns)
            WHERE (\(vendor)::text IS NULL OR a.vendor = \(vendor)) AND (\(status)::text IS NULL OR a.status = \(status))
            ORDER BY a.created_at, a.id OFFSET \(skip) LIMIT \(limit)
            """
        ).map(Self.account)
    }

    /// Deletes the account and its sealed tokens; its vehicles stay on record as `removed` (nothing can command
    /// them without a token). Returns false when there was no such account.
    public func delete(_ id: UUID) async throws -> Bool {
        try await pool.withTransaction { connection in
            try await connection.execute(
                "UPDATE vehicles SET status = 'removed', updated_at = now() WHERE account_id = \(id)")
            return try await connection.execute("DELETE FROM vendor_accounts WHERE id = \(id)") == 1
        }
    }

    private enum Outcome: Sendable {
        case ready(VendorCredentials)
        case refreshed(VendorCredentials)
        case revoked(reason: String)
        case failed(VendorError)
    }

    /// Access tokens of many active accounts in one query, for those that need no refresh (expiring more than
    /// ``refreshMargin`` after `now`). No row lock: nothing is written. Accounts missing from the answer (near
    /// expiry, inactive, unknown) go through ``credentials(for:using:now:)``, which refreshes under the row lock.
    /// For the engine, which would otherwise read and decrypt one account per vehicle.
    public func usableAccessTokens(for ids: [UUID], now: Date = Date()) async throws -> [UUID: (accessToken: String, expiresAt: Date)] {
        guard !ids.isEmpty else { return [:] }
        let box = try sealer()
        let rows = try await pool.query(
            """
            SELECT id::text AS id, access_token_box, expires_at FROM vendor_accounts
            WHERE id = ANY(\(ids.map(\.uuidString))::uuid[]) AND status = 'active'
              AND expires_at > \(now.addingTimeInterval(Self.refreshMargin))
            """)
        var tokens: [UUID: (accessToken: String, expiresAt: Date)] = [:]
        for row in rows {
            guard let id = UUID(uuidString: try row.decode(String.self, column: "id")) else { continue }
            guard
                let token = try? box.open(
                    try row.decode([UInt8].self, column: "access_token_box"), associatedData: Self.associatedData(id, "access_token"))
            else { continue }  // undecryptable: the single-account path reports it
            tokens[id] = (token, try row.decode(Date.self, column: "expires_at"))
        }
        return tokens
    }

    /// The account's live credentials for a vendor call: decrypted, and refreshed first (through `api`) when the
    /// access token expires within ``refreshMargin``. The rotated tokens are stored sealed before this returns.
    ///
    /// A refresh the vendor refuses as `.needsReconsent` marks the account and its vehicles `needs_reconsent` (that
    /// change is committed) and throws ``FleetError/needsReconsent(_:)``; other vendor failures change nothing and
    /// throw ``FleetError/vendorUnavailable(_:)``.
    /// - Throws: also ``FleetError/notFound(_:)``, ``FleetError/secretKeyUnavailable``,
    ///   ``FleetError/undecryptableToken(_:)``, and ``FleetError/needsReconsent(_:)`` for an account already marked.
    public func credentials(for id: UUID, using api: any VehicleAPI, now: Date = Date()) async throws -> VendorCredentials {
        let box = try sealer()
        let outcome: Outcome = try await pool.withTransaction { connection in
            guard
                let row = try await connection.query(
                    """
                    SELECT status, access_token_box, refresh_token_box, expires_at FROM vendor_accounts
                    WHERE id = \(id) FOR UPDATE
                    """
                ).first
            else { throw FleetError.notFound("vendor account") }
            guard try row.decode(String.self, column: "status") == "active" else { throw FleetError.needsReconsent(id) }
            let current: VendorCredentials
            do {
                current = VendorCredentials(
                    accessToken: try box.open(
                        try row.decode([UInt8].self, column: "access_token_box"),
                        associatedData: Self.associatedData(id, "access_token")),
                    refreshToken: try box.open(
                        try row.decode([UInt8].self, column: "refresh_token_box"),
                        associatedData: Self.associatedData(id, "refresh_token")),
                    expiresAt: try row.decode(Date.self, column: "expires_at"))
            } catch is SecretBox.Failure {
                throw FleetError.undecryptableToken(id)
            }
            if current.expiresAt.timeIntervalSince(now) > Self.refreshMargin { return .ready(current) }
            let fresh: VendorCredentials
            do throws(VendorError) {
                fresh = try await api.refresh(refreshToken: current.refreshToken)
            } catch {
                if error.kind == .needsReconsent {
                    try await Self.markNeedsReconsent(id, reason: error.reason, on: connection)
                    return .revoked(reason: error.reason)
                }
                return .failed(error)
            }
            let sealed = try seal(fresh, id: id)
            try await connection.execute(
                """
                UPDATE vendor_accounts SET access_token_box = \(sealed.access), refresh_token_box = \(sealed.refresh),
                    expires_at = \(fresh.expiresAt), last_refreshed_at = now(), updated_at = now()
                WHERE id = \(id)
                """)
            return .refreshed(fresh)
        }
        switch outcome {
        case .ready(let credentials):
            return credentials
        case .refreshed(let credentials):
            logger.info("vendor token refreshed", metadata: ["account_id": "\(id)"])
            return credentials
        case .revoked(let reason):
            logger.warning("vendor account needs re-consent", metadata: ["account_id": "\(id)", "reason": "\(reason)"])
            throw FleetError.needsReconsent(id)
        case .failed(let error):
            logger.warning("vendor token refresh failed", metadata: ["account_id": "\(id)", "error": "\(error)"])
            throw FleetError.vendorUnavailable(error)
        }
    }

    /// Marks the account and its (non-removed) vehicles `needs_reconsent`, e.g. after a vendor call answered that the
    /// token is revoked.
    public func markNeedsReconsent(_ id: UUID, reason: String) async throws {
        try await pool.withTransaction { connection in
            try await Self.markNeedsReconsent(id, reason: reason, on: connection)
        }
        logger.warning("vendor account needs re-consent", metadata: ["account_id": "\(id)", "reason": "\(reason)"])
    }

    static func markNeedsReconsent(_ id: UUID, reason: String, on connection: PostgresConnection) async throws {
        let reason = String(reason.prefix(200))
        try await connection.execute(
            """
            UPDATE vendor_accounts SET status = 'needs_reconsent', status_reason = \(reason), updated_at = now()
            WHERE id = \(id)
            """)
        try await connection.execute(
            """
            UPDATE vehicles SET status = 'needs_reconsent', updated_at = now()
            WHERE account_id = \(id) AND status = 'active'
            """)
    }

    /// What ``refreshExpiring(apis:now:)`` did with one account.
    public enum RefreshOutcome: Sendable, Equatable {
        case refreshed
        case needsReconsent
        case failed(String)
    }

    /// Refreshes every active account whose token expires within ``refreshMargin``, each on its own: one account's
    /// failure (revoked consent, vendor outage, missing adapter) never stops the others.
    public func refreshExpiring(
        apis: [VendorName: any VehicleAPI], now: Date = Date()
    ) async throws -> [UUID: RefreshOutcome] {
        let horizon = now.addingTimeInterval(Self.refreshMargin)
        let due = try await pool.query(
            "SELECT id, vendor FROM vendor_accounts WHERE status = 'active' AND expires_at <= \(horizon) ORDER BY expires_at")
        var outcomes: [UUID: RefreshOutcome] = [:]
        for row in due {
            let id = try row.decode(UUID.self, column: "id")
            let vendor = VendorName(rawValue: try row.decode(String.self, column: "vendor"))
            guard let api = apis[vendor] else {
                outcomes[id] = .failed("no adapter for \(vendor)")
                continue
            }
            do {
                _ = try await credentials(for: id, using: api, now: now)
                outcomes[id] = .refreshed
            } catch FleetError.needsReconsent {
                outcomes[id] = .needsReconsent
            } catch let error as FleetError {
                outcomes[id] = .failed(error.description)
            } catch {
                outcomes[id] = .failed("\(type(of: error))")
            }
        }
        return outcomes
    }

    /// Lists the account's vehicles with its credentials, refreshed first when they expire soon or `forceRefresh`.
    /// - Throws: ``VendorError`` of kind `.unauthorized` as is (the caller may refresh and retry),
    ///   ``FleetError/needsReconsent(_:)`` (the account is marked), ``FleetError/vendorUnavailable(_:)``.
    private func listVehicles(_ id: UUID, using api: any VehicleAPI, forceRefresh: Bool) async throws -> [VendorVehicle] {
        // A `now` past every expiry makes ``credentials(for:using:now:)`` refresh.
        let credentials = try await credentials(for: id, using: api, now: forceRefresh ? .distantFuture : Date())
        do throws(VendorError) {
            return try await api.listVehicles(accessToken: credentials.accessToken)
        } catch {
            switch error.kind {
            case .needsReconsent:
                try await markNeedsReconsent(id, reason: error.reason)
                throw FleetError.needsReconsent(id)
            case .unauthorized where !forceRefresh:
                throw error
            default:
                throw FleetError.vendorUnavailable(error)
            }
        }
    }

    /// Enrols the account's vehicles as the vendor lists them (through `api`, with refreshed credentials), into the
    /// account's groups. Known vehicles are updated and re-activated; vehicles of this account the vendor no longer
    /// lists are marked `removed`. A `.needsReconsent` answer marks the account.
    public func sync(_ id: UUID, using api: any VehicleAPI) async throws -> SyncResult {
        guard let account = try await get(id) else { throw FleetError.notFound("vendor account") }
        guard account.status == "active" else { throw FleetError.needsReconsent(id) }
        let listed: [VendorVehicle]
        do {
            listed = try await listVehicles(id, using: api, forceRefresh: false)
        } catch let error as VendorError where error.kind == .unauthorized {
            // The vendor refused an access token we believed valid: refresh it once (a refused refresh marks the
            // account for re-consent) and list again.
            listed = try await listVehicles(id, using: api, forceRefresh: true)
        }
        let result = try await pool.withTransaction { connection in
            var added: [SyncResult.Entry] = []
            var updated: [SyncResult.Entry] = []
            var seen: [String] = []
            for vehicle in listed where !vehicle.id.isEmpty && vehicle.id.utf8.count <= 100 {
                let make = String(vehicle.make.prefix(100))
                let model = vehicle.model.map { String($0.prefix(100)) }
                let year = vehicle.year.flatMap { (1990...2100).contains($0) ? $0 : nil }
                let row = try await connection.query(
                    """
                    INSERT INTO vehicles (vendor, vendor_vehicle_id, account_id, make, model, year)
                    VALUES (\(account.vendor), \(vehicle.id), \(id), \(make), \(model), \(year))
                    ON CONFLICT (vendor, vendor_vehicle_id) DO UPDATE SET
                        account_id = EXCLUDED.account_id, make = EXCLUDED.make,
                        model = COALESCE(EXCLUDED.model, vehicles.model), year = COALESCE(EXCLUDED.year, vehicles.year),
                        status = 'active', updated_at = now()
                    RETURNING id, (xmax = 0) AS inserted
                    """
                ).first!
                let vehicleID = try row.decode(UUID.self, column: "id")
                let entry = SyncResult.Entry(id: vehicleID, vendorVehicleID: vehicle.id)
                if try row.decode(Bool.self, column: "inserted") { added.append(entry) } else { updated.append(entry) }
                seen.append(vehicle.id)
                if !account.groups.isEmpty {
                    try await connection.execute(
                        """
                        INSERT INTO vehicle_groups (vehicle_id, group_name)
                        SELECT \(vehicleID), g FROM unnest(\(account.groups)::text[]) AS g ON CONFLICT DO NOTHING
                        """)
                }
            }
            let removedRows = try await connection.query(
                """
                UPDATE vehicles SET status = 'removed', updated_at = now()
                WHERE account_id = \(id) AND status <> 'removed' AND NOT (vendor_vehicle_id = ANY(\(seen)::text[]))
                RETURNING id, vendor_vehicle_id
                """)
            let removed = try removedRows.map {
                SyncResult.Entry(
                    id: try $0.decode(UUID.self, column: "id"),
                    vendorVehicleID: try $0.decode(String.self, column: "vendor_vehicle_id"))
            }
            try await connection.execute("UPDATE vendor_accounts SET last_synced_at = now() WHERE id = \(id)")
            return SyncResult(accountID: id, added: added, updated: updated, removed: removed)
        }
        logger.info(
            "vendor account synced",
            metadata: [
                "account_id": "\(id)", "added": "\(result.added.count)", "updated": "\(result.updated.count)",
                "removed": "\(result.removed.count)",
            ])
        return result
    }
}
