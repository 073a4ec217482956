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

/// One vendor's documented budgets (tesla-fleet.md §7, smartcar.md §8). Rates are per minute.
public struct VendorBudget: Sendable {
    /// Per vehicle and request kind (Tesla: commands 30, data 60, wakes 3 a minute).
    public var perVehicleByKind: [RequestKind: Double]
    /// Per vehicle, all kinds together (Smartcar: fewer than 20 an hour).
    public var perVehicleAll: Double?
    /// Per account, all kinds together: a bucket of `accountCapacity` refilling at `accountRefill` a minute
    /// (Smartcar: 120, refilling 2 a minute).
    public var accountCapacity: Double?
    public var accountRefill: Double?
    /// Requests one charge-state read costs (Smartcar reads /charge, /battery and /charge/limit: 3).
    public var dataCost: Int
    /// The most tokens a per-vehicle bucket holds: a curtailment's capture and command go out back to back.
    public var vehicleBurst: Double

    public init(
        perVehicleByKind: [RequestKind: Double] = [:], perVehicleAll: Double? = nil, accountCapacity: Double? = nil,
        accountRefill: Double? = nil, dataCost: Int = 1, vehicleBurst: Double = 4
    ) {
        self.perVehicleByKind = perVehicleByKind
        self.perVehicleAll = perVehicleAll
        self.accountCapacity = accountCapacity
        self.accountRefill = accountRefill
        self.dataCost = dataCost
        self.vehicleBurst = vehicleBurst
    }

    public static let tesla = VendorBudget(perVehicleByKind: [.command: 30, .data: 60, .wake: 3])
    // A burst of 10 plus 10 refilled over the hour never exceeds 20 in any hour.
    public static let smartcar = VendorBudget(perVehicleAll: 10.0 / 60, accountCapacity: 120, accountRefill: 2, dataCost: 3, vehicleBurst: 10)
}

/// Pacing budgets for every vendor, and this process's share of them.
///
/// Budgets are per process. With several Curtail processes sharing one fleet, set ``processShare`` to
/// `1 / processCount` so that together they stay within the vendors' limits (docs/ARCHITECTURE.md).
public struct PacingLimits: Sendable {
    public var budgets: [String: VendorBudget]
    /// Requests in flight to one vendor at once. Defaults to 4096.
    public var maxInFlightPerVendor: Int
    /// This process's share of every rate budget, in (0, 1]. Defaults to 1.
    public var processShare: Double

    public init(
        budgets: [String: VendorBudget] = ["tesla": .tesla, "smartcar": .smartcar], maxInFlightPerVendor: Int = 4096,
        processShare: Double = 1
    ) {
        self.budgets = budgets
        self.maxInFlightPerVendor = maxInFlightPerVendor
        self.processShare = processShare
    }

    /// No rate limits (for a simulator started with `--no-rate-limits`, or a negotiated program).
    public static let unlimited = PacingLimits(budgets: [:])
}

/// A request that would have to wait longer than its caller can: nothing was counted. The caller gives the work
/// up until `wait` has passed (a reconciler worker releases its claim rather than sleep past its lease).
public struct PacingDeferral: Error, Sendable {
    public enum Cause: String, Sendable {
        /// A vendor's `Retry-After` (a 429) holds the vehicle or its account.
        case vendorHold = "vendor hold"
        /// A token bucket is empty (this process's pacing budget).
        case budget = "pacing budget"
    }

    public let wait: Duration
    public let cause: Cause
}

/// Paces vendor requests so that a 429 from a vendor is a bug, not a normal event: token buckets per vehicle (per
/// request kind) and per account, a hold after a vendor's `Retry-After`, and a cap on requests in flight per vendor.
///
/// Everything here is this process's memory: after a restart the buckets start full, and with several processes
/// each has its own (``PacingLimits/processShare`` splits the budgets). A vendor's 429 is the one signal that
/// outlives a process: ``PacingHolds`` persists it, and claims skip held vehicles.
///
/// Thread-safe (`Mutex`). Waiting is `Task.sleep`: no thread is held.
public final class Pacer: Sendable {
    private struct Key: Hashable {
        let scope: String
        let kind: String
    }

    private struct Hold {
        var until: ContinuousClock.Instant
        /// When this process learned of it: a claim that began later saw the persisted hold, so only older ones
        /// are lifted by ``liftHolds(vehicle:account:learnedBefore:)``.
        var learned: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [Key: TokenBucket] = [:]
        var holds: [String: Hold] = [:]
        var inFlight: [String: Int] = [:]
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    public let limits: PacingLimits
    private let clock = ContinuousClock()
    private let state = Mutex(State())

    public init(limits: PacingLimits = PacingLimits()) { self.limits = limits }

    /// Waits until a `kind` request to `vehicle` of `account` is within every budget of `vendor`, then counts it.
    ///
    /// - Parameter maxWait: The longest the caller may wait. A longer wait (a vendor's hold of an hour, a Smartcar
    ///   vehicle's next token minutes away) throws ``PacingDeferral`` at once, counting nothing. `nil`: no bound.
    public func acquire(_ kind: RequestKind, vendor: String, vehicle: String, account: String, maxWait: Duration? = nil) async throws {
        var waited = Duration.zero
        while true {
            guard let wait = take(kind, vendor: vendor, vehicle: vehicle, account: account) else { return }
            if let maxWait, waited + wait.duration > maxWait { throw PacingDeferral(wait: wait.duration, cause: wait.cause) }
            try await Task.sleep(for: wait.duration)
            waited += wait.duration
        }
    }

    /// Counts the request and returns `true` if it is within budget now; else returns `false` and counts nothing.
    /// For work that can be skipped (telemetry), so it never queues behind commands.
    ///
    /// `reserve` tokens must remain in every bucket afterwards, so optional work never spends the budget a command
    /// (a restore, above all) will need: Smartcar allows fewer than 20 requests per vehicle an hour.
    public func tryAcquire(_ kind: RequestKind, vendor: String, vehicle: String, account: String, reserve: Int = 0) -> Bool {
        take(kind, vendor: vendor, vehicle: vehicle, account: account, reserve: reserve) == nil
    }

    private struct Wait {
        let duration: Duration
        let cause: PacingDeferral.Cause
    }

    private func take(_ kind: RequestKind, vendor: String, vehicle: String, account: String, reserve: Int = 0) -> Wait? {
        let budget = limits.budgets[vendor] ?? VendorBudget()
        let cost = kind == .data ? budget.dataCost : 1
        let share = limits.processShare
        return state.withLock { state in
            let now = clock.now
            for scope in ["vehicle:\(vehicle)", "account:\(account)"] {
                if let hold = state.holds[scope], hold.until > now { return Wait(duration: hold.until - now, cause: .vendorHold) }
            }
            // Every bucket this request draws from: (key, make-if-missing).
            var draws: [(Key, () -> TokenBucket)] = []
            if let rate = budget.perVehicleByKind[kind] {
                draws.append((Key(scope: vehicle, kind: kind.rawValue), { Self.bucket(rate * share, burst: max(1, (rate / 10).rounded(.down)), now) }))
            }
            if let rate = budget.perVehicleAll {
                draws.append((Key(scope: vehicle, kind: "all"), { Self.bucket(rate * share, burst: budget.vehicleBurst, now) }))
            }
            if let capacity = budget.accountCapacity, let refill = budget.accountRefill {
                draws.append((Key(scope: account, kind: "account"), { Self.bucket(refill * share, burst: (capacity * share).rounded(.down), now) }))
            }
            // Probe every bucket first, so a refusal costs no token.
            var updated: [(Key, TokenBucket)] = []
            var longest: Duration?
            for (key, make) in draws {
                let original = state.buckets[key] ?? make()
                var probe = original
                for _ in 0..<(cost + reserve) {
                    if let wait = probe.take(now: now) {
                        longest = max(longest ?? wait, wait)
                        break
                    }
                }
                var bucket = original
                for _ in 0..<cost { _ = bucket.take(now: now) }
                updated.append((key, bucket))
            }
            if let longest { return Wait(duration: longest, cause: .budget) }
            for (key, bucket) in updated { state.buckets[key] = bucket }
            return nil
        }
    }

    /// Honours a vendor's `Retry-After` (or a backoff): no request to `scope` until then.
    public func hold(vehicle: String? = nil, account: String? = nil, for duration: Duration) {
        state.withLock { state in
            let now = clock.now
            let until = now + duration
            for scope in [vehicle.map { "vehicle:\($0)" }, account.map { "account:\($0)" }].compactMap({ $0 }) {
                state.holds[scope] = Hold(until: max(state.holds[scope]?.until ?? until, until), learned: now)
            }
        }
    }

    /// Forgets the holds on `vehicle` and `account` learned before `instant`: a claim that started then found no
    /// persisted hold on them (it expired, or an operator cleared it), and the database is the holds' authority.
    public func liftHolds(vehicle: String, account: String?, learnedBefore instant: ContinuousClock.Instant) {
        state.withLock { state in
            for scope in ["vehicle:\(vehicle)", account.map { "account:\($0)" }].compactMap({ $0 }) {
                if let hold = state.holds[scope], hold.learned < instant { state.holds[scope] = nil }
            }
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

    private static func bucket(_ perMinute: Double, burst: Double, _ now: ContinuousClock.Instant) -> TokenBucket {
        TokenBucket(capacity: max(1, burst), refillPerSecond: perMinute / 60, now: now)
    }
}
