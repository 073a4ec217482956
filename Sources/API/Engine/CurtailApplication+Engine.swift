import Fleet
import Logging
import Planner
import Postgres
import Reconciler
import Secrets
import Vendors

extension CurtailApplication {
    /// Runs the engine until the task is cancelled: the scheduler (desired state), the reconciler workers (vendor
    /// commands), the telemetry sampler and the report publisher. Every Curtail process runs all three; they share work through PostgreSQL.
    /// `pacing` defaults to the documented vendor budgets at this process's ``CurtailConfiguration/pacingShare``.
    public func runEngine(pacing: PacingLimits? = nil) async {
        let pacing = pacing ?? PacingLimits(processShare: configuration.pacingShare)
        let box = configuration.secretKeyHex.flatMap { try? SecretBox(hexKey: $0) }
        let accounts = VendorAccountStore(pool: pool, box: box, logger: logger)
        let pool = self.pool
        let access = FleetVendorAccess(accounts: accounts, vendors: vendors) { accountID in
            let rows = try await pool.query("SELECT vendor FROM vendor_accounts WHERE id::text = \(accountID)")
            return try rows.first.map { VendorName(rawValue: try $0.decode(String.self, column: "vendor")) }
        }
        let pacer = Pacer(limits: pacing)
        var workerLogger = logger
        workerLogger[metadataKey: "worker"] = "reconciler"
        let reconciler = ReconcilerWorker(
            pool: pool, vendors: vendors, access: access, pacer: pacer, metrics: metrics,
            configuration: ReconcilerWorker.Configuration(sampleInterval: configuration.telemetryInterval), logger: workerLogger)
        let scheduler = Scheduler(
            pool: pool, configuration: Scheduler.Configuration(
                restoreSpread: configuration.restoreSpread, controlGroup: ControlGroup(share: configuration.controlShare)),
            logger: Logger(label: "curtail.scheduler"))
        let sampler = TelemetrySampler(
            pool: pool, vendors: vendors, access: access, pacer: pacer, metrics: metrics,
            configuration: TelemetrySampler.Configuration(interval: configuration.telemetryInterval),
            commandsFirst: { reconciler.vehiclesInFlight > 1024 })
        metrics.addCollector {
            [(name: "curtail_reconciler_in_flight", help: "Vehicles being reconciled by this process.", labels: [:], value: Double(reconciler.vehiclesInFlight))]
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await scheduler.run() }
            group.addTask { await reconciler.run() }
            group.addTask { await sampler.run() }
            group.addTask { await ReportPublisher(pool: pool, metrics: metrics, commandsFirst: { reconciler.vehiclesInFlight > 1024 }).run() }
        }
    }
}
