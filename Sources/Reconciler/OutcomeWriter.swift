import Postgres
import Vendors

/// The reconciler's database writes, batched (``GroupCommit``): the capture of prior settings (before the first
/// command), a vehicle brought to its desired state, and a vehicle found with nothing to curtail. Every write is
/// guarded by the lease (`lease_owner = process`), so a vehicle another process took over is not overwritten.
///
/// One statement per batch instead of one per vehicle: at zero vendor latency the reconciler's speed is its
/// database round trips, and a pool of a few connections serialises them.
struct OutcomeWriter: Sendable {
    struct Capture: Sendable {
        let vehicleID: String
        let prior: PriorSettings
        let state: ChargeState
    }

    struct Success: Sendable {
        let vehicleID: String
        let eventID: String?
        let attempt: Int
        let applied: String
        /// Restored to normal: the prior settings are cleared.
        let restored: Bool
        let records: [ReconcilerWorker.CommandRecord]
    }

    /// Applied as desired with nothing to restore: the capture read found the vehicle idle, unplugged or asleep.
    struct NothingToCurtail: Sendable {
        let vehicleID: String
        let eventID: String?
        let attempt: Int
        let applied: String
        let state: ChargeState
        let records: [ReconcilerWorker.CommandRecord]
    }

    let captures: GroupCommit<Capture>
    let successes: GroupCommit<Success>
    let idle: GroupCommit<NothingToCurtail>

    init(pool: PostgresPool, processName: String, sampleInterval: Duration) {
        let sampleSeconds = Double(sampleInterval.components.seconds)
        captures = GroupCommit { batch in try await Self.writeCaptures(batch, pool: pool, processName: processName, sampleSeconds: sampleSeconds) }
        successes = GroupCommit { batch in try await Self.writeSuccesses(batch, pool: pool, processName: processName) }
        idle = GroupCommit { batch in try await Self.writeNothingToCurtail(batch, pool: pool, processName: processName, sampleSeconds: sampleSeconds) }
    }

    // MARK: Columns as text arrays ("" is NULL), the form `unnest` takes them in

    private static func text<T>(_ values: [T?]) -> [String] { values.map { $0.map { "\($0)" } ?? "" } }

    /// The command records of a batch, flattened: one entry per record, with its vehicle.
    private struct RecordColumns {
        var vehicleIDs: [String] = [], keys: [String] = [], eventIDs: [String] = [], commands: [String] = []
        var outcomes: [String] = [], reasons: [String] = [], attempts: [String] = [], latencies: [String] = []

        mutating func append(vehicleID: String, eventID: String?, attempt: Int, _ records: [ReconcilerWorker.CommandRecord]) {
            for record in records {
                vehicleIDs.append(vehicleID)
                keys.append(record.key)
                eventIDs.append(eventID ?? "")
                commands.append(record.command)
                outcomes.append(record.outcome)
                reasons.append(record.reason ?? "")
                attempts.append(String(attempt))
                latencies.append(String(record.latencyMS))
            }
        }
    }

    /// Telemetry of a batch as columns, plus the compact sample row.
    private struct StateColumns {
        var pluggedIn: [String] = [], charging: [String] = [], amps: [String] = [], powerKW: [String] = [], soc: [String] = []
        var chargeLimit: [String] = [], powerW: [String] = [], socPermille: [String] = [], flags: [String] = []

        init(_ states: [ChargeState]) {
            let rows = states.map(TelemetryRow.init)
            pluggedIn = text(states.map(\.pluggedIn))
            charging = text(states.map(\.charging))
            amps = text(states.map(\.amps))
            powerKW = text(states.map(\.powerKW))
            soc = text(states.map(\.soc))
            chargeLimit = text(states.map(\.chargeLimit))
            powerW = text(rows.map(\.powerW))
            socPermille = text(rows.map(\.socPermille))
            flags = rows.map { String($0.flags) }
        }
    }

    // MARK: Statements

    private static func writeCaptures(_ batch: [Capture], pool: PostgresPool, processName: String, sampleSeconds: Double) async throws {
        let state = StateColumns(batch.map(\.state))
        try await pool.execute(
            """
            WITH input AS (
                SELECT u.vehicle_id::uuid AS vehicle_id, u.prior_charging::boolean AS prior_charging, NULLIF(u.prior_amps, '')::int AS prior_amps,
                       NULLIF(u.prior_limit, '')::int AS prior_charge_limit, NULLIF(u.plugged_in, '')::boolean AS plugged_in,
                       NULLIF(u.charging, '')::boolean AS charging, NULLIF(u.amps, '')::int AS amps, NULLIF(u.power_kw, '')::float8 AS power_kw,
                       NULLIF(u.soc, '')::float8 AS soc, NULLIF(u.charge_limit, '')::float8 AS charge_limit,
                       NULLIF(u.power_w, '')::int AS power_w, NULLIF(u.soc_permille, '')::int AS soc_permille, u.flags::int AS flags
                FROM unnest(\(batch.map(\.vehicleID))::text[], \(batch.map { String($0.prior.charging) })::text[],
                            \(text(batch.map(\.prior.amps)))::text[], \(text(batch.map(\.prior.chargeLimit)))::text[],
                            \(state.pluggedIn)::text[], \(state.charging)::text[], \(state.amps)::text[], \(state.powerKW)::text[],
                            \(state.soc)::text[], \(state.chargeLimit)::text[], \(state.powerW)::text[], \(state.socPermille)::text[],
                            \(state.flags)::text[])
                    AS u(vehicle_id, prior_charging, prior_amps, prior_limit, plugged_in, charging, amps, power_kw, soc, charge_limit,
                         power_w, soc_permille, flags)
            ), sample AS (
                INSERT INTO telemetry_samples (vehicle_id, sampled_at, power_w, amps, soc_permille, flags)
                SELECT vehicle_id, now(), power_w, amps, soc_permille, flags FROM input
                ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE vehicle_states s SET prior_charging = i.prior_charging, prior_amps = i.prior_amps, prior_charge_limit = i.prior_charge_limit,
                prior_power_kw = i.power_kw, captured_at = now(), plugged_in = i.plugged_in, charging = i.charging, amps = i.amps,
                power_kw = i.power_kw, soc = i.soc, charge_limit = i.charge_limit, sampled_at = now(),
                next_sample_at = greatest(s.next_sample_at, now() + make_interval(secs => \(sampleSeconds)))
            FROM input i WHERE s.vehicle_id = i.vehicle_id AND s.lease_owner = \(processName)
            """)
        try await ElectricalFacts.learn(from: batch.map { ($0.vehicleID, $0.state) }, pool: pool)
    }

    private static func writeSuccesses(_ batch: [Success], pool: PostgresPool, processName: String) async throws {
        var records = RecordColumns()
        for item in batch { records.append(vehicleID: item.vehicleID, eventID: item.eventID, attempt: item.attempt, item.records) }
        try await pool.execute(
            """
            WITH log AS (
                INSERT INTO vehicle_commands (vehicle_id, command_key, event_id, command, outcome, reason, attempt, latency_ms, process)
                SELECT r.vehicle_id::uuid, r.key, NULLIF(r.event_id, ''), r.command, r.outcome, NULLIF(r.reason, ''), r.attempt::int,
                       r.latency::int, \(processName)
                FROM unnest(\(records.vehicleIDs)::text[], \(records.keys)::text[], \(records.eventIDs)::text[], \(records.commands)::text[],
                            \(records.outcomes)::text[], \(records.reasons)::text[], \(records.attempts)::text[], \(records.latencies)::text[])
                    AS r(vehicle_id, key, event_id, command, outcome, reason, attempt, latency)
                -- A write retried after a lost connection, or one for a vehicle another process took over, logs nothing.
                WHERE EXISTS (SELECT 1 FROM vehicle_states v WHERE v.vehicle_id = r.vehicle_id::uuid AND v.lease_owner = \(processName))
                RETURNING 1
            ), input AS (
                SELECT u.vehicle_id::uuid AS vehicle_id, u.applied, u.restored::boolean AS restored
                FROM unnest(\(batch.map(\.vehicleID))::text[], \(batch.map(\.applied))::text[], \(batch.map { String($0.restored) })::text[])
                    AS u(vehicle_id, applied, restored)
            )
            UPDATE vehicle_states s SET applied = i.applied, applied_at = now(), attempts = 0, unreachable = false,
                last_error = NULL, lease_owner = NULL, lease_until = NULL,
                prior_charging = CASE WHEN i.restored THEN NULL ELSE s.prior_charging END,
                prior_amps = CASE WHEN i.restored THEN NULL ELSE s.prior_amps END,
                prior_charge_limit = CASE WHEN i.restored THEN NULL ELSE s.prior_charge_limit END,
                prior_power_kw = CASE WHEN i.restored THEN NULL ELSE s.prior_power_kw END,
                captured_at = CASE WHEN i.restored THEN NULL ELSE s.captured_at END
            FROM input i WHERE s.vehicle_id = i.vehicle_id AND s.lease_owner = \(processName)
            """)
    }

    private static func writeNothingToCurtail(_ batch: [NothingToCurtail], pool: PostgresPool, processName: String, sampleSeconds: Double) async throws {
        var records = RecordColumns()
        for item in batch { records.append(vehicleID: item.vehicleID, eventID: item.eventID, attempt: item.attempt, item.records) }
        let state = StateColumns(batch.map(\.state))
        try await pool.execute(
            """
            WITH log AS (
                INSERT INTO vehicle_commands (vehicle_id, command_key, event_id, command, outcome, reason, attempt, latency_ms, process)
                SELECT r.vehicle_id::uuid, r.key, NULLIF(r.event_id, ''), r.command, r.outcome, NULLIF(r.reason, ''), r.attempt::int,
                       r.latency::int, \(processName)
                FROM unnest(\(records.vehicleIDs)::text[], \(records.keys)::text[], \(records.eventIDs)::text[], \(records.commands)::text[],
                            \(records.outcomes)::text[], \(records.reasons)::text[], \(records.attempts)::text[], \(records.latencies)::text[])
                    AS r(vehicle_id, key, event_id, command, outcome, reason, attempt, latency)
                -- A write retried after a lost connection, or one for a vehicle another process took over, logs nothing.
                WHERE EXISTS (SELECT 1 FROM vehicle_states v WHERE v.vehicle_id = r.vehicle_id::uuid AND v.lease_owner = \(processName))
                RETURNING 1
            ), input AS (
                SELECT u.vehicle_id::uuid AS vehicle_id, u.applied, NULLIF(u.plugged_in, '')::boolean AS plugged_in,
                       NULLIF(u.charging, '')::boolean AS charging, NULLIF(u.amps, '')::int AS amps, NULLIF(u.power_kw, '')::float8 AS power_kw,
                       NULLIF(u.soc, '')::float8 AS soc, NULLIF(u.charge_limit, '')::float8 AS charge_limit,
                       NULLIF(u.power_w, '')::int AS power_w, NULLIF(u.soc_permille, '')::int AS soc_permille, u.flags::int AS flags
                FROM unnest(\(batch.map(\.vehicleID))::text[], \(batch.map(\.applied))::text[],
                            \(state.pluggedIn)::text[], \(state.charging)::text[], \(state.amps)::text[], \(state.powerKW)::text[],
                            \(state.soc)::text[], \(state.chargeLimit)::text[], \(state.powerW)::text[], \(state.socPermille)::text[],
                            \(state.flags)::text[])
                    AS u(vehicle_id, applied, plugged_in, charging, amps, power_kw, soc, charge_limit, power_w, soc_permille, flags)
            ), sample AS (
                -- A history row only when the read said something (an asleep car's did not).
                INSERT INTO telemetry_samples (vehicle_id, sampled_at, power_w, amps, soc_permille, flags)
                SELECT vehicle_id, now(), power_w, amps, soc_permille, flags FROM input WHERE plugged_in IS NOT NULL
                ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE vehicle_states s SET prior_charging = false, prior_amps = NULL, prior_charge_limit = NULL, prior_power_kw = 0,
                captured_at = now(), plugged_in = coalesce(i.plugged_in, s.plugged_in), charging = i.charging,
                amps = coalesce(i.amps, s.amps), power_kw = coalesce(i.power_kw, 0), soc = coalesce(i.soc, s.soc),
                charge_limit = coalesce(i.charge_limit, s.charge_limit), sampled_at = now(),
                next_sample_at = greatest(s.next_sample_at, now() + make_interval(secs => \(sampleSeconds))),
                applied = i.applied, applied_at = now(), attempts = 0, unreachable = false, last_error = NULL,
                lease_owner = NULL, lease_until = NULL
            FROM input i WHERE s.vehicle_id = i.vehicle_id AND s.lease_owner = \(processName)
            """)
    }
}
