import HTTP
import Logging
import Synchronization

/// How to build a simulator. Build once, then hand to ``Simulator/init(configuration:)``.
public struct SimulatorConfiguration: Sendable {
    /// Fleet size. Defaults to 100. At most 999,999 (VIN serials are six digits).
    public var vehicles: Int
    /// PRNG seed: the same seed and size give the same fleet, accounts and initial tokens. Defaults to 1.
    public var seed: UInt64
    /// Simulated seconds per wall-clock second. Defaults to 1.
    public var timeScale: Double
    /// Rate limits every account starts with. Defaults to the vendors' documented values.
    public var limits: RateLimits
    /// Faults at start (latency, idle sleep, wake delay...). Defaults: none, 15 min idle sleep, 15 s wake.
    public var faults: FaultConfig
    /// Wall clock; tests inject a ``ManualClock``.
    public var clock: any SimulatorClock

    public init(
        vehicles: Int = 100, seed: UInt64 = 1, timeScale: Double = 1, limits: RateLimits = .documented,
        faults: FaultConfig = FaultConfig(), clock: any SimulatorClock = SystemClock()
    ) {
        self.vehicles = vehicles
        self.seed = seed
        self.timeScale = timeScale
        self.limits = limits
        self.faults = faults
        self.clock = clock
    }
}

/// The vehicle simulator: a Tesla Fleet API facade, a Smartcar v2.0 facade, both vendors' OAuth token endpoints,
/// and the `/_sim` control API, on one origin.
///
/// ```swift
/// let simulator = Simulator(configuration: .init(vehicles: 50, seed: 7))
/// var router = Router()
/// simulator.register(on: &router)
/// let server = HTTPServer(configuration: .init(port: 9090), responder: router.buildResponder(), logger: logger)
/// ```
///
/// Thread-safe: state is in ``FleetStore``'s sharded locks and the fault configuration's own lock; handlers hold no
/// lock across an `await` and inject latency with `Task.sleep`, so no thread is held.
public final class Simulator: Sendable {
    public let store: FleetStore
    let faultState: Mutex<FaultConfig>
    let initialFaults: FaultConfig

    public init(configuration: SimulatorConfiguration) {
        store = FleetStore(
            vehicles: max(0, min(configuration.vehicles, 999_999)), seed: configuration.seed,
            clock: configuration.clock, timeScale: configuration.timeScale, limits: configuration.limits)
        faultState = Mutex(configuration.faults)
        initialFaults = configuration.faults
    }

    /// The fault configuration in force.
    public var faults: FaultConfig { faultState.withLock { $0 } }

    /// Registers every route: Tesla (`/api/1/...`, `/oauth2/v3/token`, `/status`), Smartcar (`/v2.0/...`,
    /// `/oauth/token`) and control (`/_sim/...`).
    public func register(on router: inout Router) {
        TeslaRoutes(simulator: self).register(on: &router)
        SmartcarRoutes(simulator: self).register(on: &router)
        ControlRoutes(simulator: self).register(on: &router)
    }

    /// Whether `vendor` is in an injected outage (`outage_seconds`): its token endpoint drops requests too.
    func isDown(_ vendor: Vendor) -> Bool {
        faultState.withLock { $0 }.isOutage(vendor: vendor, now: store.wallNow())
    }

    /// Idle-sleep threshold in force (simulated seconds).
    var sleepAfter: Double? { faultState.withLock { $0.fallAsleepAfter } }

    /// Runs a vendor request through the fault injector: latency first, then drop, timeout, injected error or
    /// rate-limit burst, else the handler.
    func withFaults(
        vendor: Vendor, renderError: (Int) -> HTTPResponse, renderBurst: (Int) -> HTTPResponse,
        _ handler: () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let config = faultState.withLock { $0 }
        let (delay, action) = config.decide(vendor: vendor, now: store.wallNow())
        if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
        switch action {
        case .proceed: return try await handler()
        case .drop: return .dropConnection
        case .timeout(let seconds):
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return .dropConnection
        case .error(let status): return renderError(status)
        case .burst(let retryAfter): return renderBurst(retryAfter)
        }
    }
}
