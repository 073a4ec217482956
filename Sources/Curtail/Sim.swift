import API
import ArgumentParser
import HTTP
import Logging
import Simulator

/// `curtail sim`: the vehicle simulator (Tesla Fleet API + Smartcar v2.0 facades and the `/_sim` control API).
struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the vehicle simulator: Tesla Fleet API and Smartcar v2.0 facades on one origin.")

    @Option(help: "Address to listen on (env CURTAIL_SIM_LISTEN).")
    var listen: String = Environment.get("CURTAIL_SIM_LISTEN") ?? "127.0.0.1:9090"

    @Option(help: "Number of simulated vehicles (at most 999999).")
    var vehicles: Int = 100

    @Option(help: "PRNG seed: the same seed and size give the same fleet and initial tokens.")
    var seed: UInt64 = 1

    @Option(help: "Injected latency per vendor request, e.g. 2s±1s, 500ms, 2s+-1s.")
    var latency: String?

    @Option(help: "Simulated seconds per wall-clock second (physics, wake delay, idle sleep).")
    var timeScale: Double = 1

    @Option(help: "Simulated idle time after which a Tesla falls asleep, e.g. 15m; 0 disables.")
    var sleepAfter: String = "15m"

    @Option(help: "Simulated time from wake_up to online, e.g. 15s.")
    var wakeDelay: String = "15s"

    @Flag(help: "Start every account with no rate limits (they can still be set per account via /_sim/accounts).")
    var noRateLimits = false

    func validate() throws {
        guard (0...999_999).contains(vehicles) else { throw ValidationError("--vehicles must be 0–999999") }
        guard timeScale > 0 else { throw ValidationError("--time-scale must be > 0") }
        if let latency, FaultConfig.parseLatency(latency) == nil {
            throw ValidationError("--latency: use e.g. 2s±1s, got \(latency)")
        }
        guard FaultConfig.parseDuration(sleepAfter) != nil, FaultConfig.parseDuration(wakeDelay) != nil else {
            throw ValidationError("--sleep-after and --wake-delay take durations such as 15m or 20s")
        }
    }

    func run() async throws {
        MallocArenas.bound()
        let logger = Logger(label: "curtail.sim")
        guard let (host, port) = CurtailConfiguration.parseListen(listen) else {
            throw ValidationError("--listen must be host:port, got \(listen)")
        }
        var faults = FaultConfig()
        if let latency, let (mean, jitter) = FaultConfig.parseLatency(latency) {
            (faults.latencyMean, faults.latencyJitter) = (mean, jitter)
        }
        let sleep = FaultConfig.parseDuration(sleepAfter) ?? 0
        faults.fallAsleepAfter = sleep > 0 ? sleep : nil
        faults.wakeDelay = FaultConfig.parseDuration(wakeDelay) ?? 15
        let simulator = Simulator(
            configuration: SimulatorConfiguration(
                vehicles: vehicles, seed: seed, timeScale: timeScale,
                limits: noRateLimits ? .unlimited : .documented, faults: faults))
        var router = Router()
        simulator.register(on: &router)
        // Injected latency holds requests open: allow a response to take as long as a timeout fault lasts.
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: host, port: port, backlog: 4096),
            responder: router.buildResponder(), logger: logger)
        let address = try server.start()
        logger.info(
            "simulator ready",
            metadata: [
                "address": "\(address)", "vehicles": "\(simulator.store.vehicleCount)",
                "accounts": "\(simulator.store.accountCount)", "seed": "\(seed)",
            ])
        await Signals.waitForTermination()
        logger.info("shutting down")
        await server.shutdown(gracePeriod: .seconds(5))
    }
}
