import Synchronization

/// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`.
public struct TokenBucket: Sendable {
    public let capacity: Double
    public let refillPerSecond: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    public init(capacity: Double, refillPerSecond: Double, now: ContinuousClock.Instant) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.tokens = capacity
        self.updated = now
    }

    /// Takes a token and returns `nil`, or returns how long to wait before one is available (taking nothing).
    public mutating func take(now: ContinuousClock.Instant) -> Duration? {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + max(0, seconds) * refillPerSecond)
        updated = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .milliseconds(Int64(((1 - tokens) / refillPerSecond * 1000).rounded(.up)))
    }
}

/// The kinds of vendor request, each with its own budget (Tesla prices and limits them separately).
public enum RequestKind: String, Sendable, Hashable {
    case command, data, wake
}

/// Pacing budgets, from the vendors' documented limits (tesla-fleet.md §7, smartcar.md §8).
///
/// Budgets are per process. With several Curtail processes sharing one fleet, set ``processShare`` to
/// `1 / processCount` so that together they stay within the vendor's limits (docs/ARCHITECTURE.md).
public struct PacingLimits: Sendable {
    /// Per vehicle, per minute. Defaults: commands 30, data 60, wakes 3 (Tesla's documented per-device limits).
    public var commandsPerVehiclePerMinute: Double
    public var dataPerVehiclePerMinute: Double
    public var wakesPerVehiclePerMinute: Double
    /// Per vendor account, per minute, all kinds together. Defaults to 600 (a large program's negotiated limit
    /// would be configured here).
    public var requestsPerAccountPerMinute: Double
    /// Requests in flight to one vendor at once. Defaults to 4096.
    public var maxInFlightPerVendor: Int
    /// This process's share of every rate budget, in (0, 1]. Defaults to 1.
    public var processShare: Double

    public init(
        commandsPerVehiclePerMinute: Double = 30, dataPerVehiclePerMinute: Double = 60, wakesPerVehiclePerMinute: Double = 3,
        requestsPerAccountPerMinute: Double = 600, maxInFlightPerVendor: Int = 4096, processShare: Double = 1
    ) {
        self.commandsPerVehiclePerMinute = commandsPerVehiclePerMinute
        self.dataPerVehiclePerMinute = dataPerVehiclePerMinute
        self.wakesPerVehiclePerMinute = wakesPerVehiclePerMinute
        self.requestsPerAccountPerMinute = requestsPerAccountPerMinute
        self.maxInFlightPerVendor = maxInFlightPerVendor
        self.processShare = processShare
    }

    func perMinute(_ kind: RequestKind) -> Double {
        switch kind {
        case .command: commandsPerVehiclePerMinute
        case .data: dataPerVehiclePerMinute
        case .wake: wakesPerVehiclePerMinute
        }
    }
}

/// Paces vendor requests so that a 429 from a vendor is a bug, not a normal event: token buckets per vehicle (per
/// request kind) and per account, a hold after a vendor's `Retry-After`, and a cap on requests in flight per vendor.
///
/// Thread-safe (`Mutex`). Waiting is `Task.sleep`: no thread is held.
public final class Pacer: Sendable {
    private struct Key: Hashable {
        let scope: String
        let kind: String
    }

    private struct State {
        var buckets: [Key: TokenBucket] = [:]
        var holds: [String: ContinuousClock.Instant] = [:]
        var inFlight: [String: Int] = [:]
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    public let limits: PacingLimits
    private let clock = ContinuousClock()
    private let state = Mutex(State())

    public init(limits: PacingLimits = PacingLimits()) { self.limits = limits }

    /// Waits until a `kind` request to `vehicle` of `account` is within every budget, then counts it.
    public func acquire(_ kind: RequestKind, vehicle: String, account: String) async throws {
        while true {
            let wait: Duration? = state.withLock { state in
                let now = clock.now
                for scope in ["vehicle:\(vehicle)", "account:\(account)"] {
                    if let hold = state.holds[scope], hold > now { return hold - now }
                }
                let vehicleKey = Key(scope: vehicle, kind: kind.rawValue)
                let accountKey = Key(scope: account, kind: "all")
                var vehicleBucket = state.buckets[vehicleKey] ?? bucket(perMinute: limits.perMinute(kind), now: now)
                var accountBucket = state.buckets[accountKey] ?? bucket(perMinute: limits.requestsPerAccountPerMinute, now: now)
                // Check both before taking from either, so a refusal costs no token.
                var vehicleProbe = vehicleBucket, accountProbe = accountBucket
                if let wait = vehicleProbe.take(now: now) { return wait }
                if let wait = accountProbe.take(now: now) { return wait }
                _ = vehicleBucket.take(now: now)
                _ = accountBucket.take(now: now)
                state.buckets[vehicleKey] = vehicleBucket
                state.buckets[accountKey] = accountBucket
                return nil
            }
            guard let wait else { return }
            try await Task.sleep(for: wait)
        }
    }

    /// Honours a vendor's `Retry-After` (or a backoff): no request to `scope` until then.
    public func hold(vehicle: String? = nil, account: String? = nil, for duration: Duration) {
        state.withLock { state in
            let until = clock.now + duration
            if let vehicle { state.holds["vehicle:\(vehicle)"] = max(state.holds["vehicle:\(vehicle)"] ?? until, until) }
            if let account { state.holds["account:\(account)"] = max(state.holds["account:\(account)"] ?? until, until) }
        }
    }

    /// Runs `body` holding one of the vendor's in-flight slots (waiting for one when all are taken).
    public func withSlot<T: Sendable>(vendor: String, _ body: () async throws -> T) async throws -> T {
        await acquireSlot(vendor)
        defer { releaseSlot(vendor) }
        return try await body()
    }

    private func acquireSlot(_ vendor: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.inFlight[vendor, default: 0] < limits.maxInFlightPerVendor {
                    state.inFlight[vendor, default: 0] += 1
                    return true
                }
                state.waiters[vendor, default: []].append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func releaseSlot(_ vendor: String) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if var waiting = state.waiters[vendor], !waiting.isEmpty {
                let first = waiting.removeFirst()
                state.waiters[vendor] = waiting
                return first  // the slot passes straight to the next waiter
            }
            state.inFlight[vendor, default: 1] -= 1
            return nil
        }
        next?.resume()
    }

    private func bucket(perMinute: Double, now: ContinuousClock.Instant) -> TokenBucket {
        let rate = perMinute * limits.processShare
        // Burst up to a tenth of a minute's budget (at least 1), so a restore's 2-3 commands go out back to back.
        return TokenBucket(capacity: max(1, (rate / 10).rounded(.down)), refillPerSecond: rate / 60, now: now)
    }
}
