import Foundation
import Logging
import Observability
import Planner
import Postgres
import Synchronization
import Vendors

/// Moves vehicles' applied charging state to their desired state, one idempotent vendor command at a time.
///
/// Work comes from `vehicle_states` rows whose `applied` differs from `desired`. A worker claims a batch with
/// `FOR UPDATE SKIP LOCKED` and a lease (`lease_owner`, `lease_until`), so several processes share the queue with
/// no leader and a crashed worker's vehicles return to the queue when the lease runs out. Everything a vehicle's
/// restore depends on (its prior settings) is written before the first command is sent.
public final class ReconcilerWorker: Sendable {
    public struct Configuration: Sendable {
        /// A name for this process in leases and command records. Defaults to `hostname:pid`.
        public var processName: String
        /// Vehicles claimed per database round trip. Defaults to 256.
        public var batchSize: Int
        /// Vehicles being worked on at once by this process. Defaults to 4096.
        public var maxInFlight: Int
        /// How long a claim is held before another process may take the vehicle over. Defaults to 120 s.
        public var lease: Duration
        /// Failed attempts before a vehicle is reported unreachable (it is still retried, slowly). Defaults to 8.
        public var maxAttempts: Int
        /// Per-call timeout for vendor requests. Defaults to 30 s.
        public var callTimeout: Duration
        /// A capture read is a telemetry sample: the sampler's next sample of that vehicle waits this long
        /// (`CURTAIL_TELEMETRY_INTERVAL`). Defaults to 60 s.
        public var sampleInterval: Duration
        /// The longest a worker waits on the Pacer for one request (also bounded by what is left of the lease, less
        /// a call's timeout). A longer wait releases the claim until the wait is over. Defaults to 5 s.
        public var maxPacingWait: Duration

        public init(
            processName: String = Configuration.defaultProcessName, batchSize: Int = 256, maxInFlight: Int = 4096,
            lease: Duration = .seconds(120), maxAttempts: Int = 8, callTimeout: Duration = .seconds(30),
            sampleInterval: Duration = .seconds(60), maxPacingWait: Duration = .seconds(5)
        ) {
            self.processName = processName
            self.batchSize = batchSize
            self.maxInFlight = maxInFlight
            self.lease = lease
            self.maxAttempts = maxAttempts
            self.callTimeout = callTimeout
            self.sampleInterval = sampleInterval
            self.maxPacingWait = maxPacingWait
        }

        public static var defaultProcessName: String {
            "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        }
    }

    struct Claimed: Sendable {
        let vehicleID: String
        let vendor: VendorName
        let vendorVehicleID: String
        let accountID: String?
        let desired: ChargingTarget
        let applied: ChargingTarget
        let generation: Int64
        let eventID: String?
        let attempts: Int
        let prior: PriorSettings?
        let snapshot: VehicleSnapshot
        /// Seconds since the latest telemetry sample, when there is one.
        let telemetryAge: Double?
        /// When the claim's query began: the lease runs from (a little after) then.
        let claimedAt: ContinuousClock.Instant
    }

    let pool: PostgresPool
    let vendors: [VendorName: any VehicleAPI]
    let access: any VendorAccess
    let pacer: Pacer
    let metrics: MetricsRegistry
    let logger: Logger
    let configuration: Configuration
    private let inFlight = Atomic<Int>(0)
    let writer: OutcomeWriter
    /// The vehicles this process's `run` is reconciling now.
    private let working = Mutex<Set<String>>([])
    let holds: PacingHolds

    public init(
        pool: PostgresPool, vendors: [VendorName: any VehicleAPI], access: any VendorAccess, pacer: Pacer, metrics: MetricsRegistry,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "curtail.reconciler")
    ) {
        self.pool = pool
        self.vendors = vendors
        self.access = access
        self.pacer = pacer
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
        self.writer = OutcomeWriter(pool: pool, processName: configuration.processName, sampleInterval: configuration.sampleInterval)
        self.holds = PacingHolds(pool: pool, pacer: pacer, logger: logger)
    }

    /// Vehicles this process is working on now.
    public var vehiclesInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Works the queue until cancelled. Wakes on `NOTIFY curtail_reconcile` and polls every second for retries.
    public func run() async {
        let wake = WakeSignal(try? await pool.listen(channel: Scheduler.wakeChannel))
        await withDiscardingTaskGroup { group in
            // A claim whose answer was lost with the connection may have leased vehicles nobody here works on.
            var leasesMayBeOrphaned = false
            while !Task.isCancelled {
                if leasesMayBeOrphaned, (try? await releaseOrphanedLeases()) != nil { leasesMayBeOrphaned = false }
                let room = configuration.maxInFlight - inFlight.load(ordering: .relaxed)
                var claimed: [Claimed] = []
                if room >= min(configuration.batchSize, configuration.maxInFlight) / 4 {
                    do {
                        claimed = try await claim(limit: min(room, configuration.batchSize))
                        await access.prefetch(accounts: Set(claimed.compactMap(\.accountID)))
                    } catch is CancellationError {
                        return
                    } catch {
                        if (error as? PostgresError)?.isConnectionLoss == true { leasesMayBeOrphaned = true }
                        logger.error("claiming work failed", metadata: ["error": "\((error as? PostgresError).map { String(describing: $0) } ?? "\(type(of: error))")"])
                    }
                }
                for vehicle in claimed {
                    inFlight.add(1, ordering: .relaxed)
                    _ = working.withLock { $0.insert(vehicle.vehicleID) }
                    group.addTask {
                        await self.reconcile(vehicle)
                        _ = self.working.withLock { $0.remove(vehicle.vehicleID) }
                        self.inFlight.subtract(1, ordering: .relaxed)
                    }
                }
                if claimed.count == configuration.batchSize {
                    await Task.yield()
                } else if claimed.isEmpty {
                    await wake.wait(timeout: .seconds(1))
                } else {
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }

    /// Claims and reconciles one batch, returning how many vehicles it handled (for tests and tools).
    @discardableResult
    public func reconcileOnce() async throws -> Int {
        let claimed = try await claim(limit: configuration.batchSize)
        await access.prefetch(accounts: Set(claimed.compactMap(\.accountID)))
        await withDiscardingTaskGroup { group in
            for vehicle in claimed { group.addTask { await self.reconcile(vehicle) } }
        }
        return claimed.count
    }

    func claim(limit: Int) async throws -> [Claimed] {
        let leaseSeconds = Int(configuration.lease.components.seconds)
        let claimedAt = ContinuousClock.now
        let rows = try await pool.query(
            """
            WITH due AS (
                SELECT vehicle_id, \(unescaped: PacingHolds.heldUntil(vehicleID: "vehicle_states.vehicle_id")) AS held_until
                FROM vehicle_states
                WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation AND next_attempt_at <= now()
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), held AS (
                -- A vendor's Retry-After holds it (pacing_holds, any process's 429): not claimed, due again when the
                -- hold ends, and saying so. No worker sleeps on it, and no process spins on it.
                UPDATE vehicle_states s SET next_attempt_at = due.held_until,
                    last_error = \(unescaped: PacingHolds.rateLimitedUntil("due.held_until", .vendorHold))
                FROM due WHERE s.vehicle_id = due.vehicle_id AND due.held_until > now()
                RETURNING 1
            ), claimed AS (
                UPDATE vehicle_states s SET lease_owner = \(configuration.processName),
                    lease_until = now() + make_interval(secs => \(leaseSeconds))
                FROM due WHERE s.vehicle_id = due.vehicle_id AND (due.held_until IS NULL OR due.held_until <= now())
                RETURNING s.*
            )
            SELECT c.vehicle_id::text AS vehicle_id, v.vendor, v.vendor_vehicle_id, v.account_id::text AS account_id,
                   coalesce(v.make, '') AS make, v.country, v.voltage, v.phases, v.min_amps, v.max_amps, v.battery_kwh,
                   v.electrical_source <> 'assumed' AS electrical_confirmed, c.desired, c.applied, c.generation, c.desired_event_id, c.attempts, c.captured_at IS NOT NULL AS captured,
                   c.prior_charging, c.prior_amps, c.prior_charge_limit, c.plugged_in, c.charging, c.amps, c.power_kw, c.soc, c.charge_limit,
                   extract(epoch FROM now() - c.sampled_at)::float8 AS telemetry_age
            FROM claimed c JOIN vehicles v ON v.id = c.vehicle_id
            """)
        let claimed = try rows.map { row in
            let telemetry = VehicleTelemetry(
                pluggedIn: try row.decode(Bool?.self, column: "plugged_in"), charging: try row.decode(Bool?.self, column: "charging"),
                amps: try row.decode(Int?.self, column: "amps"), powerKW: try row.decode(Double?.self, column: "power_kw"),
                soc: try row.decode(Double?.self, column: "soc"), chargeLimit: try row.decode(Double?.self, column: "charge_limit"))
            let vendor = try row.decode(String.self, column: "vendor")
            let vendorVehicleID = try row.decode(String.self, column: "vendor_vehicle_id")
            let prior: PriorSettings? =
                try row.decode(Bool.self, column: "captured")
                ? PriorSettings(
                    charging: try row.decode(Bool?.self, column: "prior_charging") ?? false, amps: try row.decode(Int?.self, column: "prior_amps"),
                    chargeLimit: try row.decode(Int?.self, column: "prior_charge_limit"))
                : nil
            return Claimed(
                vehicleID: try row.decode(String.self, column: "vehicle_id"), vendor: VendorName(rawValue: vendor), vendorVehicleID: vendorVehicleID,
                accountID: try row.decode(String?.self, column: "account_id"),
                desired: ChargingTarget(storageValue: try row.decode(String.self, column: "desired")) ?? .normal,
                applied: ChargingTarget(storageValue: try row.decode(String.self, column: "applied")) ?? .normal,
                generation: try row.decode(Int64.self, column: "generation"), eventID: try row.decode(String?.self, column: "desired_event_id"),
                attempts: try row.decode(Int.self, column: "attempts"), prior: prior,
                snapshot: VehicleSnapshot(
                    id: vendorVehicleID, vendor: Vendor(rawValue: vendor), make: Make(rawValue: try row.decode(String.self, column: "make")),
                    countryCode: try row.decode(String.self, column: "country"), voltage: Double(try row.decode(Int.self, column: "voltage")),
                    phases: try row.decode(Int.self, column: "phases"), minAmps: try row.decode(Int.self, column: "min_amps"),
                    maxAmps: try row.decode(Int.self, column: "max_amps"), batteryKWh: try row.decode(Double?.self, column: "battery_kwh"),
                    electricalFactsConfirmed: try row.decode(Bool.self, column: "electrical_confirmed"), telemetry: telemetry),
                telemetryAge: try row.decode(Double?.self, column: "telemetry_age"), claimedAt: claimedAt)
        }
        // The claim found no persisted hold on these: holds this process learned earlier have ended or were lifted.
        for vehicle in claimed { pacer.liftHolds(vehicle: vehicle.vehicleID, account: vehicle.accountID, learnedBefore: claimedAt) }
        return claimed
    }

    /// Gives back the leases this process holds on vehicles it is not working on: after a claim whose answer was lost
    /// (the database restarted under it), they would otherwise wait for the whole lease to run out.
    func releaseOrphanedLeases() async throws {
        let working = self.working.withLock { Array($0) }
        let released = try await pool.execute(
            """
            UPDATE vehicle_states SET lease_owner = NULL, lease_until = NULL
            WHERE lease_owner = \(configuration.processName) AND NOT (vehicle_id::text = ANY(\(working)::text[]))
            """)
        if let released, released > 0 {
            logger.warning("released leases orphaned by a lost claim", metadata: ["vehicles": "\(released)"])
        }
    }

    // MARK: One vehicle

    /// A vendor call's record, written with the vehicle's outcome.
    struct CommandRecord: Sendable {
        let key: String
        let command: String
        let outcome: String
        let reason: String?
        let latencyMS: Int
    }

    private enum Failure: Error {
        case vendor(VendorError, records: [CommandRecord])
        /// The Pacer would wait longer than the claim allows: released until the wait is over.
        case deferred(PacingDeferral, records: [CommandRecord])
        case noAccount
        case noAdapter
    }

    func reconcile(_ vehicle: Claimed) async {
        var records: [CommandRecord] = []
        do {
            guard let api = vendors[vehicle.vendor] else { throw Failure.noAdapter }
            guard let accountID = vehicle.accountID else { throw Failure.noAccount }
            let token = try await access.accessToken(forAccount: accountID)
            var prior = vehicle.prior
            if vehicle.desired != .normal && prior == nil {
                // Capture the vehicle's own settings, and write them, before the first command changes them. A sample
                // from the last two minutes is as good as a fresh read and saves a billed, rate-limited request.
                // The read also decides whether there is anything to curtail: the planner may target a vehicle whose
                // state it did not know (PlanningPolicy.confirmUnknownStateAtCapture).
                let state: ChargeState
                if let age = vehicle.telemetryAge, age < Self.freshTelemetry, let known = vehicle.snapshot.telemetry.charging {
                    let t = vehicle.snapshot.telemetry
                    state = ChargeState(
                        pluggedIn: t.pluggedIn, charging: known, amps: t.amps, powerKW: t.powerKW, soc: t.soc, chargeLimit: t.chargeLimit)
                } else {
                    do {
                        state = try await call(api, .data, vehicle, accountID, "capture", &records, wakeIfAsleep: false) {
                            try await api.chargeState(of: vehicle.vendorVehicleID, accessToken: token)
                        }
                    } catch Failure.vendor(let error, let soFar) where error.kind == .asleep {
                        // A sleeping Tesla is not charging (charging keeps it awake): nothing to curtail, and never
                        // woken for it (a wake costs ten requests' worth and minutes of battery).
                        records = soFar
                        try await recordNothingToCurtail(vehicle, ChargeState(charging: false), reason: "asleep", records: records)
                        return
                    }
                }
                if state.pluggedIn == false || state.charging == false {
                    // Nothing to curtail: an unplugged or idle car draws nothing. Applied as desired with nothing to
                    // restore, and said so; a car known not to be charging is never commanded.
                    try await recordNothingToCurtail(
                        vehicle, state, reason: state.pluggedIn == false ? "not_plugged_in" : "not_charging", records: records)
                    return
                }
                let captured = PriorSettings(
                    charging: state.charging ?? false, amps: state.amps ?? state.maxAmps, chargeLimit: state.chargeLimit.map { Int($0.rounded()) })
                try await recording { try await recordCapture(vehicle, captured, state) }
                prior = captured
            }
            let capabilities = VehicleCapabilities(for: vehicle.snapshot)
            let commands = CommandSequence.commands(from: vehicle.applied, to: vehicle.desired, prior: prior, capabilities: capabilities)
            for (step, command) in commands.enumerated() {
                _ = try await call(api, .command, vehicle, accountID, "\(step):\(command)", &records) {
                    try await api.send(command, to: vehicle.vendorVehicleID, accessToken: token)
                }
            }
            try await recording { try await recordSuccess(vehicle, records: records) }
        } catch let Failure.vendor(error, records) {
            await recordFailure(vehicle, error: error, records: records)
        } catch let Failure.deferred(deferral, records) {
            await recordDeferral(vehicle, deferral, records: records)
        } catch let error as VendorError {
            await recordFailure(vehicle, error: error, records: records)
        } catch Failure.noAdapter {
            await recordFailure(vehicle, error: VendorError(.permanent, reason: "no adapter for vendor \(vehicle.vendor)"), records: records)
        } catch Failure.noAccount {
            await recordFailure(vehicle, error: VendorError(.needsReconsent, reason: "vehicle has no vendor account"), records: records)
        } catch {
            // Database trouble: leave the lease to expire; the vehicle returns to the queue.
            logger.error("reconcile failed", metadata: ["vehicle_id": "\(vehicle.vehicleID)", "error_type": "\(type(of: error))"])
        }
    }

    private func key(_ vehicle: Claimed, _ step: String) -> String { "\(vehicle.vehicleID):\(vehicle.generation):\(step)" }

    /// One paced vendor call, recorded. An asleep vehicle is woken (paced by the wake budget) and the call fails
    /// as retryable, so the vehicle is retried after it had time to wake.
    private func call<T: Sendable>(
        _ api: any VehicleAPI, _ kind: RequestKind, _ vehicle: Claimed, _ accountID: String, _ step: String, _ records: inout [CommandRecord],
        wakeIfAsleep: Bool = true, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await acquire(kind, vehicle, accountID, records)
        let start = ContinuousClock.now
        let result: Result<T, VendorError> = try await pacer.withSlot(vendor: vehicle.vendor.rawValue) {
            do {
                return .success(try await body())
            } catch let error as VendorError {
                return .failure(error)
            } catch {
                return .failure(VendorError(.retryable, reason: "unexpected \(type(of: error))"))
            }
        }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(elapsed.components.seconds * 1000) + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        let labels = MetricsRegistry.Labels([("vendor", vehicle.vendor.rawValue), ("kind", kind.rawValue)])
        metrics.observe("curtail_vendor_request_duration_seconds", help: "Vendor API latency.", labels: labels, value: Double(milliseconds) / 1000)
        switch result {
        case .success(let value):
            let outcome: String
            if let commandOutcome = value as? CommandOutcome, case .alreadyInState(let reason) = commandOutcome {
                outcome = "already"
                records.append(CommandRecord(key: key(vehicle, step), command: step, outcome: outcome, reason: reason, latencyMS: milliseconds))
            } else {
                outcome = "done"
                records.append(CommandRecord(key: key(vehicle, step), command: step, outcome: outcome, reason: nil, latencyMS: milliseconds))
            }
            metrics.increment("curtail_vendor_requests_total", help: "Vendor API requests by outcome.", labels: .init([("vendor", vehicle.vendor.rawValue), ("kind", kind.rawValue), ("outcome", outcome)]))
            return value
        case .failure(let error):
            let outcome: String =
                switch error.kind {
                case .asleep: "asleep"
                case .rateLimited: "rate_limited"
                case .retryable: "retry"
                case .unauthorized: "unauthorized"
                case .needsReconsent, .permanent: "failed"
                }
            records.append(CommandRecord(key: key(vehicle, step), command: step, outcome: outcome, reason: error.reason, latencyMS: milliseconds))
            metrics.increment("curtail_vendor_requests_total", help: "Vendor API requests by outcome.", labels: .init([("vendor", vehicle.vendor.rawValue), ("kind", kind.rawValue), ("outcome", outcome)]))
            if error.kind == .asleep && wakeIfAsleep {
                try await acquire(.wake, vehicle, accountID, records)
                let token = try? await access.accessToken(forAccount: accountID)
                if let token {
                    let wake = try? await pacer.withSlot(vendor: vehicle.vendor.rawValue) {
                        try? await api.send(.wake, to: vehicle.vendorVehicleID, accessToken: token)
                    }
                    records.append(CommandRecord(key: key(vehicle, "wake"), command: "wake", outcome: wake == nil ? "retry" : "done", reason: nil, latencyMS: 0))
                }
            }
            if case .rateLimited(let retryAfter) = error.kind {
                await holds.hold(after: error, vehicleID: vehicle.vehicleID, accountID: accountID, retryAfter: retryAfter)
            }
            // `.unauthorized`: the access token was refused; refresh it before the next use (a failed refresh is
            // what marks the account for re-consent).
            if error.kind == .unauthorized || (error.kind == .needsReconsent && error.status == 401) {
                await access.tokenRejected(forAccount: accountID)
            }
            throw Failure.vendor(error, records: records)
        }
    }

    /// Waits on the Pacer for as long as the claim allows: at most `maxPacingWait`, and never so long that the
    /// call could outlive the lease. A longer wait (a vendor's hold, an empty Smartcar bucket) throws
    /// ``Failure/deferred(_:records:)``: the claim is released until then, and no process sleeps on the vehicle.
    private func acquire(_ kind: RequestKind, _ vehicle: Claimed, _ accountID: String, _ records: [CommandRecord]) async throws {
        let leaseLeft = configuration.lease - (ContinuousClock.now - vehicle.claimedAt) - configuration.callTimeout
        let maxWait = max(.zero, min(configuration.maxPacingWait, leaseLeft))
        do {
            try await pacer.acquire(kind, vendor: vehicle.vendor.rawValue, vehicle: vehicle.vehicleID, account: accountID, maxWait: maxWait)
        } catch let deferral as PacingDeferral {
            throw Failure.deferred(deferral, records: records)
        }
    }

    // MARK: Recording outcomes (guarded by the lease: a vehicle taken over by another process is not overwritten)

    private func recordCapture(_ vehicle: Claimed, _ prior: PriorSettings, _ state: ChargeState) async throws {
        try await writer.captures.submit(OutcomeWriter.Capture(vehicleID: vehicle.vehicleID, prior: prior, state: state))
    }

    /// The capture showed nothing to curtail (unplugged, not charging, asleep): one statement records the read
    /// (a telemetry sample when the state is known), prior settings that restore to nothing (not charging, no
    /// amps or limit to put back), and `applied = desired`. The next scheduler pass sees the vehicle was not
    /// charging and releases it without a command.
    private func recordNothingToCurtail(_ vehicle: Claimed, _ state: ChargeState, reason: String, records: [CommandRecord]) async throws {
        let records = records + [CommandRecord(key: key(vehicle, "skip"), command: "none", outcome: "already", reason: reason, latencyMS: 0)]
        try await writer.idle.submit(
            OutcomeWriter.NothingToCurtail(
                vehicleID: vehicle.vehicleID, eventID: vehicle.eventID, attempt: vehicle.attempts + 1, applied: vehicle.desired.storageValue,
                state: state, records: records))
        metrics.increment("curtail_reconciled_total", help: "Vehicles brought to their desired state.", labels: .init([("target", "nothing_to_curtail")]))
    }

    private func recordSuccess(_ vehicle: Claimed, records: [CommandRecord]) async throws {
        let restored = vehicle.desired == .normal
        try await writer.successes.submit(
            OutcomeWriter.Success(
                vehicleID: vehicle.vehicleID, eventID: vehicle.eventID, attempt: vehicle.attempts + 1, applied: vehicle.desired.storageValue,
                restored: restored, records: records))
        metrics.increment("curtail_reconciled_total", help: "Vehicles brought to their desired state.", labels: .init([("target", restored ? "normal" : "curtailed")]))
    }

    private func recordFailure(_ vehicle: Claimed, error: VendorError, records: [CommandRecord]) async {
        let attempts = vehicle.attempts + 1
        let blocked: Bool
        var delay: Double
        switch error.kind {
        case .needsReconsent, .permanent:
            blocked = true
            delay = 0
        case .rateLimited(let retryAfter):
            blocked = false
            delay = max(retryAfter ?? 5, 1)
        case .asleep:
            blocked = false
            delay = 10  // time for a woken car to come online
        case .unauthorized:
            blocked = false
            delay = 1  // the token is refreshed before the next use
        case .retryable:
            blocked = false
            // Exponential backoff with full jitter, capped at 5 minutes.
            delay = Double.random(in: 0.5...1.5) * min(300, pow(2, Double(min(attempts, 9))))
        }
        let unreachable = !blocked && attempts >= configuration.maxAttempts
        if unreachable { delay = max(delay, 300) }
        do {
            try await recording {
                try await pool.execute(
                    """
                    WITH log AS (\(unescaped: Self.insertRecordsSQL)
                        SELECT \(vehicle.vehicleID)::uuid, r.key, \(vehicle.eventID), r.command, r.outcome, NULLIF(r.reason, ''), \(attempts),
                               r.latency::int, \(configuration.processName)
                        FROM unnest(\(records.map(\.key))::text[], \(records.map(\.command))::text[], \(records.map(\.outcome))::text[],
                                    \(records.map { $0.reason ?? "" })::text[], \(records.map { String($0.latencyMS) })::text[]) AS r(key, command, outcome, reason, latency)
                        WHERE EXISTS (SELECT 1 FROM vehicle_states WHERE vehicle_id = \(vehicle.vehicleID)::uuid AND lease_owner = \(configuration.processName))
                        RETURNING 1)
                    UPDATE vehicle_states SET attempts = \(attempts), last_error = \(error.reason), unreachable = \(unreachable),
                        blocked_generation = CASE WHEN \(blocked) THEN generation ELSE blocked_generation END,
                        next_attempt_at = now() + make_interval(secs => \(delay)), lease_owner = NULL, lease_until = NULL
                    WHERE vehicle_id = \(vehicle.vehicleID)::uuid AND lease_owner = \(configuration.processName)
                    """)
            }
        } catch {
            logger.error("recording a failure failed", metadata: ["vehicle_id": "\(vehicle.vehicleID)"])
        }
        metrics.increment("curtail_reconcile_failures_total", help: "Failed reconcile attempts by kind.", labels: .init([("kind", "\(error.kind)")]))
    }

    /// Runs a write recording a vehicle's outcome again while the database is away (a restart, a failover), for up to
    /// half the lease: the vendor already acted, and leaving the lease to expire would stall the vehicle for the whole
    /// lease and send its commands again. The writes are guarded by the lease, so a repeat after a commit whose answer
    /// was lost changes nothing.
    private func recording(_ write: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + configuration.lease / 2
        var pause = Duration.milliseconds(250)
        while true {
            do {
                return try await write()
            } catch let error as PostgresError where error.isConnectionLoss && ContinuousClock.now + pause < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(4))
            }
        }
    }

    /// Released without a failure (no attempt is counted: the vendor was not asked) until the Pacer's wait is over,
    /// saying why and until when. The calls made before it (a capture, a first command) are recorded.
    private func recordDeferral(_ vehicle: Claimed, _ deferral: PacingDeferral, records: [CommandRecord]) async {
        let seconds = max(1, Double(deferral.wait.components.seconds) + Double(deferral.wait.components.attoseconds) / 1e18)
        do {
            try await pool.execute(
                """
                WITH log AS (\(unescaped: Self.insertRecordsSQL)
                    SELECT \(vehicle.vehicleID)::uuid, r.key, \(vehicle.eventID), r.command, r.outcome, NULLIF(r.reason, ''), \(vehicle.attempts + 1),
                           r.latency::int, \(configuration.processName)
                    FROM unnest(\(records.map(\.key))::text[], \(records.map(\.command))::text[], \(records.map(\.outcome))::text[],
                                \(records.map { $0.reason ?? "" })::text[], \(records.map { String($0.latencyMS) })::text[]) AS r(key, command, outcome, reason, latency)
                    WHERE EXISTS (SELECT 1 FROM vehicle_states WHERE vehicle_id = \(vehicle.vehicleID)::uuid AND lease_owner = \(configuration.processName))
                    RETURNING 1),
                until AS (SELECT now() + make_interval(secs => \(seconds)) AS at)
                UPDATE vehicle_states SET next_attempt_at = until.at, lease_owner = NULL, lease_until = NULL,
                    last_error = \(unescaped: PacingHolds.rateLimitedUntil("until.at", deferral.cause))
                FROM until
                WHERE vehicle_id = \(vehicle.vehicleID)::uuid AND lease_owner = \(configuration.processName)
                """)
        } catch {
            logger.error("recording a deferral failed", metadata: ["vehicle_id": "\(vehicle.vehicleID)"])
        }
        metrics.increment(
            "curtail_reconcile_deferred_total", help: "Claims released because pacing would wait past the bound, by cause.",
            labels: .init([("cause", deferral.cause == .vendorHold ? "vendor_hold" : "budget")]))
    }

    /// Telemetry younger than this (seconds) stands in for a capture read.
    static let freshTelemetry: Double = 120

    private static let insertRecordsSQL =
        "INSERT INTO vehicle_commands (vehicle_id, command_key, event_id, command, outcome, reason, attempt, latency_ms, process)"
}
