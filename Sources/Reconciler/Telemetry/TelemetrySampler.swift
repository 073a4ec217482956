import Foundation
import Logging
import Observability
import Postgres
import Synchronization
import Vendors

/// Samples the charging state of vehicles around and during events, within the vendors' data budgets.
///
/// The scheduler marks which vehicles to watch (`sample_until`); the sampler claims due ones by lease (any process
/// may sample) and stores a compact row in `telemetry_samples` plus the latest values in `vehicle_states`, which the
/// planner reads. Commands come first: the sampler keeps its own in-flight cap and backs off while the reconciler
/// is busy.
public final class TelemetrySampler: Sendable {
    public struct Configuration: Sendable {
        /// Time between two samples of one vehicle (`CURTAIL_TELEMETRY_INTERVAL`). Defaults to 60 s.
        public var interval: Duration
        /// Samples in flight at once (the Pacer's per-vendor in-flight cap bounds it too). Defaults to 2048.
        public var maxInFlight: Int
        /// Vehicles claimed per database round trip, and samples written per statement. Defaults to 256.
        public var batchSize: Int
        public var processName: String

        public init(
            interval: Duration = .seconds(60), maxInFlight: Int = 2048, batchSize: Int = 256,
            processName: String = ReconcilerWorker.Configuration.defaultProcessName
        ) {
            self.interval = interval
            self.maxInFlight = maxInFlight
            self.batchSize = batchSize
            self.processName = processName
        }
    }

    let pool: PostgresPool
    let vendors: [VendorName: any VehicleAPI]
    let access: any VendorAccess
    let pacer: Pacer
    let metrics: MetricsRegistry
    let configuration: Configuration
    let logger: Logger
    /// When the reconciler has this many vehicles in flight, sampling pauses.
    let commandsFirst: @Sendable () -> Bool
    private let inFlight = Atomic<Int>(0)
    /// Samples taken and not yet written: written in batches (one statement per batch, not one per sample).
    private let unwritten = Mutex<[Sample]>([])
    let holds: PacingHolds

    public init(
        pool: PostgresPool, vendors: [VendorName: any VehicleAPI], access: any VendorAccess, pacer: Pacer, metrics: MetricsRegistry,
        configuration: Configuration = Configuration(), commandsFirst: @escaping @Sendable () -> Bool = { false },
        logger: Logger = Logger(label: "curtail.telemetry")
    ) {
        self.pool = pool
        self.vendors = vendors
        self.access = access
        self.pacer = pacer
        self.metrics = metrics
        self.configuration = configuration
        self.commandsFirst = commandsFirst
        self.logger = logger
        self.holds = PacingHolds(pool: pool, pacer: pacer, logger: logger)
    }

    struct Due: Sendable {
        let vehicleID: String
        let vendor: VendorName
        let vendorVehicleID: String
        let accountID: String
        /// The vehicle had no telemetry yet: the planner left it alone for want of it, so plan again once known.
        let firstSample: Bool
    }

    /// One vehicle's charge state, read and waiting to be written.
    struct Sample: Sendable {
        let vehicleID: String
        /// The state read; `nil` when the vendor said the vehicle is asleep.
        let state: ChargeState?
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                    await self.flush()
                }
            }
            while !Task.isCancelled {
                let room = configuration.maxInFlight - inFlight.load(ordering: .relaxed)
                var due: [Due] = []
                if room > 0 && !commandsFirst() {
                    due = (try? await claim(limit: min(room, configuration.batchSize))) ?? []
                    await access.prefetch(accounts: Set(due.map(\.accountID)))
                }
                for vehicle in due {
                    inFlight.add(1, ordering: .relaxed)
                    group.addTask {
                        await self.sample(vehicle)
                        self.inFlight.subtract(1, ordering: .relaxed)
                    }
                }
                if due.contains(where: \.firstSample) {
                    // Give the batch a moment to land, then ask the scheduler to plan with what is now known.
                    group.addTask {
                        try? await Task.sleep(for: .seconds(2))
                        try? await self.pool.notify(channel: Scheduler.eventsChannel, payload: "telemetry")
                    }
                }
                try? await Task.sleep(for: due.count == configuration.batchSize ? .milliseconds(20) : .milliseconds(500))
            }
            group.cancelAll()
        }
    }

    /// Samples every due vehicle once (for tests and tools); returns how many were sampled.
    @discardableResult
    public func sampleOnce() async throws -> Int {
        let due = try await claim(limit: configuration.batchSize)
        await access.prefetch(accounts: Set(due.map(\.accountID)))
        await withDiscardingTaskGroup { group in
            for vehicle in due { group.addTask { await self.sample(vehicle) } }
        }
        await flush()
        return due.count
    }

    func claim(limit: Int) async throws -> [Due] {
        let intervalSeconds = Double(configuration.interval.components.seconds)
        let claimedAt = ContinuousClock.now
        let rows = try await pool.query(
            """
            WITH due AS (
                SELECT vehicle_id, \(unescaped: PacingHolds.heldUntil(vehicleID: "vehicle_states.vehicle_id")) > now() AS held
                FROM vehicle_states
                WHERE sample_until IS NOT NULL AND sample_until > now() AND next_sample_at <= now()
                  AND (sample_lease_until IS NULL OR sample_lease_until < now())
                ORDER BY next_sample_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE vehicle_states s SET sample_lease_until = now() + interval '60 seconds',
                    next_sample_at = now() + make_interval(secs => \(intervalSeconds))
                FROM due WHERE s.vehicle_id = due.vehicle_id
                RETURNING s.vehicle_id, s.sampled_at, due.held IS TRUE AS held,
                    -- A command is pending: it comes first, and the sample would spend the vendor budget it needs
                    -- (Smartcar: fewer than 20 requests per vehicle an hour, counted by the vendor across restarts
                    -- and processes). Before a first command the reconciler reads the state itself (the capture),
                    -- which counts as a sample. Pushed back an interval, not read now.
                    (s.desired <> s.applied AND s.blocked_generation IS DISTINCT FROM s.generation) AS command_pending
            )
            SELECT c.vehicle_id::text AS vehicle_id, v.vendor, v.vendor_vehicle_id, v.account_id::text AS account_id,
                   c.sampled_at IS NULL AS first_sample
            FROM claimed c JOIN vehicles v ON v.id = c.vehicle_id
            -- A vendor's Retry-After holds it (pacing_holds): pushed back an interval, not read.
            WHERE v.account_id IS NOT NULL AND v.status = 'active' AND NOT c.command_pending AND NOT c.held
            """)
        let due = try rows.map {
            Due(
                vehicleID: try $0.decode(String.self, column: "vehicle_id"), vendor: VendorName(rawValue: try $0.decode(String.self, column: "vendor")),
                vendorVehicleID: try $0.decode(String.self, column: "vendor_vehicle_id"), accountID: try $0.decode(String.self, column: "account_id"),
                firstSample: try $0.decode(Bool.self, column: "first_sample"))
        }
        for vehicle in due { pacer.liftHolds(vehicle: vehicle.vehicleID, account: vehicle.accountID, learnedBefore: claimedAt) }
        return due
    }

    func sample(_ vehicle: Due) async {
        guard let api = vendors[vehicle.vendor] else { return }
        do {
            // Telemetry never waits for budget: commands need it more. Skipped now, sampled next interval.
            guard pacer.tryAcquire(.data, vendor: vehicle.vendor.rawValue, vehicle: vehicle.vehicleID, account: vehicle.accountID, reserve: Self.commandReserve) else {
                metrics.increment("curtail_telemetry_samples_total", help: "Telemetry samples taken.", labels: .init([("vendor", vehicle.vendor.rawValue), ("outcome", "deferred")]))
                return
            }
            let token = try await access.accessToken(forAccount: vehicle.accountID)
            let state = try await pacer.withSlot(vendor: vehicle.vendor.rawValue) {
                try await api.chargeState(of: vehicle.vendorVehicleID, accessToken: token)
            }
            unwritten.withLock { $0.append(Sample(vehicleID: vehicle.vehicleID, state: state)) }
            metrics.increment("curtail_telemetry_samples_total", help: "Telemetry samples taken.", labels: .init([("vendor", vehicle.vendor.rawValue), ("outcome", "ok")]))
        } catch let error as VendorError {
            // A sleeping car is not woken for telemetry (wakes are expensive). Asleep says enough: a charging car is
            // awake, so it is not charging (the capture reads it the same way), and a capacity limit need not budget
            // it as a possible load.
            if error.kind == .asleep { unwritten.withLock { $0.append(Sample(vehicleID: vehicle.vehicleID, state: nil)) } }
            if case .rateLimited(let retryAfter) = error.kind {
                await holds.hold(after: error, vehicleID: vehicle.vehicleID, accountID: vehicle.accountID, retryAfter: retryAfter)
            }
            metrics.increment("curtail_telemetry_samples_total", help: "Telemetry samples taken.", labels: .init([("vendor", vehicle.vendor.rawValue), ("outcome", "\(error.kind)")]))
        } catch {
            logger.warning("telemetry sample failed", metadata: ["vehicle_id": "\(vehicle.vehicleID)", "error_type": "\(type(of: error))"])
        }
    }

    /// Tokens a sample must leave in every pacing bucket: enough for a curtailment and its restore (stop, then a
    /// limit and a start).
    static let commandReserve = 4

    /// Writes the samples taken so far, `batchSize` per statement: the compact history rows and the latest values.
    func flush() async {
        while true {
            let batch = unwritten.withLock { pending -> [Sample] in
                let batch = Array(pending.prefix(configuration.batchSize))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await record(batch)
            } catch {
                logger.warning("writing telemetry samples failed", metadata: ["samples": "\(batch.count)", "error_type": "\(type(of: error))"])
            }
        }
    }

    /// Stores samples: the compact history rows and the latest values in one statement, then any supply facts
    /// they carry (``ElectricalFacts``). An asleep vehicle is recorded as not charging, keeping what else is known
    /// (plugged in, SoC, limit); it adds no history row, as its read said nothing else.
    func record(_ all: [Sample]) async throws {
        let asleep = all.filter { $0.state == nil }.map(\.vehicleID)
        if !asleep.isEmpty {
            try await pool.execute(
                """
                UPDATE vehicle_states SET charging = false, amps = NULL, power_kw = 0, sampled_at = now(), sample_lease_until = NULL
                WHERE vehicle_id = ANY(\(asleep)::uuid[])
                """)
        }
        let samples = all.compactMap { sample in sample.state.map { (vehicleID: sample.vehicleID, state: $0) } }
        guard !samples.isEmpty else { return }
        let rows = samples.map { TelemetryRow($0.state) }
        func text<T>(_ values: [T?]) -> [String] { values.map { $0.map { "\($0)" } ?? "" } }
        try await pool.execute(
            """
            WITH input AS (
                SELECT u.vehicle_id::uuid AS vehicle_id, NULLIF(u.plugged_in, '')::boolean AS plugged_in,
                       NULLIF(u.charging, '')::boolean AS charging, NULLIF(u.amps, '')::int AS amps,
                       NULLIF(u.power_kw, '')::float8 AS power_kw, NULLIF(u.soc, '')::float8 AS soc,
                       NULLIF(u.charge_limit, '')::float8 AS charge_limit, NULLIF(u.power_w, '')::int AS power_w,
                       NULLIF(u.soc_permille, '')::int AS soc_permille, u.flags::int AS flags
                FROM unnest(\(samples.map(\.vehicleID))::text[], \(text(samples.map(\.state.pluggedIn)))::text[],
                            \(text(samples.map(\.state.charging)))::text[], \(text(samples.map(\.state.amps)))::text[],
                            \(text(samples.map(\.state.powerKW)))::text[], \(text(samples.map(\.state.soc)))::text[],
                            \(text(samples.map(\.state.chargeLimit)))::text[], \(text(rows.map(\.powerW)))::text[],
                            \(text(rows.map(\.socPermille)))::text[], \(rows.map { String($0.flags) })::text[])
                    AS u(vehicle_id, plugged_in, charging, amps, power_kw, soc, charge_limit, power_w, soc_permille, flags)
            ), history AS (
                INSERT INTO telemetry_samples (vehicle_id, sampled_at, power_w, amps, soc_permille, flags)
                SELECT vehicle_id, now(), power_w, amps, soc_permille, flags FROM input
                ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE vehicle_states s SET plugged_in = i.plugged_in, charging = i.charging, amps = i.amps, power_kw = i.power_kw,
                soc = i.soc, charge_limit = i.charge_limit, sampled_at = now(), sample_lease_until = NULL
            FROM input i WHERE s.vehicle_id = i.vehicle_id
            """)
        try await ElectricalFacts.learn(from: samples, pool: pool)
    }
}
