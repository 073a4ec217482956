import Logging
import Postgres
import Vendors

/// Vendor rate-limit holds (a 429's `Retry-After`), persisted in `pacing_holds` so that they survive a restart and
/// every process sees them, and mirrored into this process's ``Pacer``.
///
/// The database is the authority: a reconciler claim that meets a held vehicle releases it at once until the hold's
/// end (``heldUntil(vehicleID:)``; no vendor call, no sleeping worker), the sampler skips it, and a claim lifts the
/// Pacer's older in-memory holds on what it did claim (the hold expired or was cleared). Token buckets stay per
/// process (a restarted process starts with full buckets); the vendor's 429 is what a persisted hold catches.
struct PacingHolds: Sendable {
    let pool: PostgresPool
    let pacer: Pacer
    let logger: Logger

    /// Holds `vehicleID` (and its account, unless the vendor said the limit is the vehicle's own) for
    /// `retryAfter` seconds: persisted first, then in memory, so that a claim that began before the write cannot
    /// lift it (see ``Pacer/liftHolds(vehicle:account:learnedBefore:)``).
    func hold(after error: VendorError, vehicleID: String, accountID: String, retryAfter: Double?) async {
        let seconds = max(retryAfter ?? 5, 1)
        let account = Self.limitIsTheVehicles(error) ? nil : accountID
        let scopes = ["vehicle"] + (account == nil ? [] : ["account"])
        let ids = [vehicleID] + (account.map { [$0] } ?? [])
        do {
            try await pool.execute(
                """
                INSERT INTO pacing_holds (scope, id, held_until, reason)
                SELECT u.scope, u.id::uuid, now() + make_interval(secs => \(seconds)), \(error.reason)
                FROM unnest(\(scopes)::text[], \(ids)::text[]) AS u(scope, id)
                ON CONFLICT (scope, id) DO UPDATE SET held_until = greatest(pacing_holds.held_until, excluded.held_until),
                    reason = excluded.reason
                """)
        } catch {
            // Still held in this process; another process may meet the vendor's 429 itself.
            logger.error("persisting a pacing hold failed", metadata: ["vehicle_id": "\(vehicleID)", "error_type": "\(type(of: error))"])
        }
        pacer.hold(vehicle: vehicleID, account: account, for: .milliseconds(Int64(seconds * 1000)))
    }

    /// Smartcar's `RATE_LIMIT:VEHICLE` is the documented per-vehicle limiter (smartcar.md §8): the driver's other
    /// vehicles are not held for it. Any other 429 (Tesla's do not say which limit) holds the account too.
    static func limitIsTheVehicles(_ error: VendorError) -> Bool {
        error.reason.hasPrefix("RATE_LIMIT:VEHICLE")
    }

    /// The end of the hold on a `vehicle_states` row's vehicle (`column`: its id, qualified) or on its vendor account,
    /// NULL when neither was ever held: two primary-key probes per candidate row. Compare with `now()`.
    static func heldUntil(vehicleID column: String) -> String {
        """
        greatest((SELECT h.held_until FROM pacing_holds h WHERE h.scope = 'vehicle' AND h.id = \(column)),
                 (SELECT h.held_until FROM pacing_holds h JOIN vehicles hv ON h.scope = 'account' AND h.id = hv.account_id
                  WHERE hv.id = \(column)))
        """
    }

    /// `last_error` for a vehicle released until `until` (an SQL timestamptz expression): "rate-limited until
    /// 2026-11-23T09:15:00Z (vendor hold)". `cause` is a ``PacingDeferral/Cause``.
    static func rateLimitedUntil(_ until: String, _ cause: PacingDeferral.Cause) -> String {
        "'rate-limited until ' || to_char((\(until)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ' (\(cause.rawValue))'"
    }
}
