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
        /// Samples in flight at once. Defaults to 512.
        public var maxInFlight: Int
        public var batchSize: Int
        public var processName: String

        public init(
            interval: Duration = .seconds(60), maxInFlight: Int = 512, batchSize: Int = 256,
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
    }

    struct Due: Sendable {
        let vehicleID: String
        let vendor: VendorName
        let vendorVehicleID: String
        let accountID: String
        /// The vehicle had no telemetry yet: the planner left it alone for want of it, so plan again once known.
        let firstSample: Bool
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let room = configuration.maxInFlight - inFlight.load(ordering: .relaxed)
                var due: [Due] = []
                if room > 0 && !commandsFirst() {
                    due = (try? await claim(limit: min(room, configuration.batchSize))) ?? []
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
        }
    }

    /// Samples every due vehicle once (for tests and tools); returns how many were sampled.
    @discardableResult
    public func sampleOnce() async throws -> Int {
        let due = try await claim(limit: configuration.batchSize)
        await withDiscardingTaskGroup { group in
            for vehicle in due { group.addTask { await self.sample(vehicle) } }
        }
        return due.count
    }

    func claim(limit: Int) async throws -> [Due] {
        let intervalSeconds = Double(configuration.interval.components.seconds)
        let rows = try await pool.query(
            """
            WITH due AS (
                SELECT vehicle_id FROM vehicle_states
                WHERE sample_until IS NOT NULL AND sample_until > now() AND next_sample_at <= now()
                  AND (sample_lease_until IS NULL OR sample_lease_until < now())
                ORDER BY next_sample_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE vehicle_states s SET sample_lease_until = now() + interval '60 seconds',
                    next_sample_at = now() + make_interval(secs => \(intervalSeconds))
                FROM due WHERE s.vehicle_id = due.vehicle_id RETURNING s.vehicle_id, s.sampled_at
            )
            SELECT c.vehicle_id::text AS vehicle_id, v.vendor, v.vendor_vehicle_id, v.account_id::text AS account_id,
                   c.sampled_at IS NULL AS first_sample
            FROM claimed c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.account_id IS NOT NULL AND v.status = 'active'
            """)
        return try rows.map {
            Due(
                vehicleID: try $0.decode(String.self, column: "vehicle_id"), vendor: VendorName(rawValue: try $0.decode(String.self, column: "vendor")),
                vendorVehicleID: try $0.decode(String.self, column: "vendor_vehicle_id"), accountID: try $0.decode(String.self, column: "account_id"),
                firstSample: try $0.decode(Bool.self, column: "first_sample"))
        }
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
            try await record(vehicle.vehicleID, state)
            metrics.increment("curtail_telemetry_samples_total", help: "Telemetry samples taken.", labels: .init([("vendor", vehicle.vendor.rawValue), ("outcome", "ok")]))
        } catch let error as VendorError {
            // A sleeping car is not woken for telemetry (wakes are expensive); it is simply not sampled this time.
            if case .rateLimited(let retryAfter) = error.kind {
                pacer.hold(vehicle: vehicle.vehicleID, account: vehicle.accountID, for: .milliseconds(Int64((retryAfter ?? 5) * 1000)))
            }
            metrics.increment("curtail_telemetry_samples_total", help: "Telemetry samples taken.", labels: .init([("vendor", vehicle.vendor.rawValue), ("outcome", "\(error.kind)")]))
        } catch {
            logger.warning("telemetry sample failed", metadata: ["vehicle_id": "\(vehicle.vehicleID)", "error_type": "\(type(of: error))"])
        }
    }

    /// Tokens a sample must leave in every pacing bucket: enough for a curtailment and its restore (stop, then a
    /// limit and a start).
    static let commandReserve = 4

    /// Stores one sample: the compact history row and the latest values.
    func record(_ vehicleID: String, _ state: ChargeState) async throws {
        let row = TelemetryRow(state)
        try await pool.execute(
            """
            WITH sample AS (
                INSERT INTO telemetry_samples (vehicle_id, sampled_at, power_w, amps, soc_permille, flags)
                VALUES (\(vehicleID)::uuid, now(), \(row.powerW), \(row.amps), \(row.socPermille), \(row.flags))
                ON CONFLICT DO NOTHING RETURNING 1)
            UPDATE vehicle_states SET plugged_in = \(state.pluggedIn), charging = \(state.charging), amps = \(state.amps),
                power_kw = \(state.powerKW), soc = \(state.soc), charge_limit = \(state.chargeLimit), sampled_at = now(), sample_lease_until = NULL
            WHERE vehicle_id = \(vehicleID)::uuid
            """)
    }
}
