import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The whole simulated world: vehicles, accounts and tokens, each sharded behind its own locks.
///
/// Thread-safe. Vehicle `i` lives in shard `i % shardCount`, so requests for different vehicles rarely contend;
/// a lock is held only for the in-memory update (never across an `await`). The set of vehicle and account ids is
/// fixed at start (a reset regenerates the same ids from the same seed), so the id indexes are immutable.
public final class FleetStore: Sendable {
    static let shardCount = 64

    public let vehicleCount: Int
    public let accountCount: Int
    let seed: UInt64
    let defaultLimits: RateLimits
    let timeBase: Mutex<TimeBase>
    let clock: any SimulatorClock

    private let vehicleShards: [Shard<[Vehicle]>]
    private let accountShards: [Shard<[Account]>]
    private let tokenShards: [Shard<[String: TokenRecord]>]
    /// VIN, Tesla numeric id and Smartcar UUID → vehicle index.
    private let vehicleLookup: [String: Int]
    private let accountLookup: [String: Int]
    /// Vendor of each vehicle and its account, by index (immutable, read without locks).
    let vehicleVendor: [Vendor]
    let vehicleAccount: [Int]
    let accountVehicles: [[Int]]
    let accountVendor: [Vendor]

    public init(vehicles count: Int, seed: UInt64, clock: any SimulatorClock, timeScale: Double, limits: RateLimits) {
        let wall = clock.now()
        let base = TimeBase(origin: wall, scale: timeScale)
        let (vehicles, accounts) = FleetGenerator.generate(
            count: count, seed: seed, simStart: base.simulated(wall), wallStart: wall, limits: limits)
        self.vehicleCount = vehicles.count
        self.accountCount = accounts.count
        self.seed = seed
        self.defaultLimits = limits
        self.clock = clock
        self.timeBase = Mutex(base)
        var lookup: [String: Int] = [:]
        lookup.reserveCapacity(vehicles.count * 2)
        for v in vehicles {
            lookup[v.vendorID] = v.index
            if v.vendor == .tesla { lookup[String(v.teslaID)] = v.index }
        }
        vehicleLookup = lookup
        accountLookup = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0.index) })
        vehicleVendor = vehicles.map(\.vendor)
        vehicleAccount = vehicles.map(\.accountIndex)
        accountVehicles = accounts.map(\.vehicleIndices)
        accountVendor = accounts.map(\.vendor)
        vehicleShards = Self.split(vehicles)
        accountShards = Self.split(accounts)
        tokenShards = Self.tokenShards(for: accounts)
        Self.releaseFreedMemory()
    }

    /// Generation makes large temporary arrays; hand their pages back so RSS shows what the fleet really holds.
    static func releaseFreedMemory() {
        #if canImport(Glibc)
            // malloc_trim is in <malloc.h>, which the Glibc module does not export: look it up once.
            typealias Trim = @convention(c) (Int) -> Int32
            if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") {
                _ = unsafeBitCast(symbol, to: Trim.self)(0)
            }
        #endif
    }

    private static func split<T: Sendable>(_ items: [T]) -> [Shard<[T]>] {
        var buckets = Array(repeating: [T](), count: shardCount)
        for (i, item) in items.enumerated() { buckets[i % shardCount].append(item) }
        return buckets.map { Shard($0) }
    }

    private static func tokenShards(for accounts: [Account]) -> [Shard<[String: TokenRecord]>] {
        var buckets = Array(repeating: [String: TokenRecord](), count: shardCount)
        for a in accounts {
            buckets[tokenShard(a.accessToken)][a.accessToken] = TokenRecord(
                account: a.index, kind: .access, expiresAt: a.accessExpiresAt)
            buckets[tokenShard(a.refreshToken)][a.refreshToken] = TokenRecord(
                account: a.index, kind: .refresh, expiresAt: a.refreshExpiresAt)
        }
        return buckets.map { Shard($0) }
    }

    static func tokenShard(_ token: String) -> Int {
        var h: UInt64 = 14_695_981_039_346_656_037  // FNV-1a: stable and cheap
        for b in token.utf8.suffix(16) { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return Int(h % UInt64(shardCount))
    }

    // MARK: Time

    /// Wall-clock now.
    public func wallNow() -> Double { clock.now() }
    /// Simulated now.
    public func simNow() -> Double { timeBase.withLock { $0 }.simulated(clock.now()) }
    public var currentTimeBase: TimeBase { timeBase.withLock { $0 } }

    // MARK: Vehicles

    public func vehicleIndex(_ id: String) -> Int? { vehicleLookup[id] }
    public func accountIndex(_ id: String) -> Int? { accountLookup[id] }

    /// Runs `body` on vehicle `index` under its shard's lock, after advancing its physics to now.
    public func withVehicle<R, E: Error>(
        _ index: Int, sleepAfter: Double?, _ body: (inout Vehicle, _ simNow: Double) throws(E) -> R
    ) throws(E) -> R {
        let now = simNow()
        return try vehicleShards[index % Self.shardCount].lock.withLock { (vehicles) throws(E) -> R in
            let position = index / Self.shardCount
            ChargingPhysics.advance(&vehicles[position], to: now, sleepAfter: sleepAfter)
            return try body(&vehicles[position], now)
        }
    }

    /// A copy of every vehicle, advanced to now (shard by shard).
    public func allVehicles(sleepAfter: Double?) -> [Vehicle] {
        let now = simNow()
        var result: [Vehicle] = []
        result.reserveCapacity(vehicleCount)
        for shard in vehicleShards {
            shard.lock.withLock { vehicles in
                for i in vehicles.indices {
                    ChargingPhysics.advance(&vehicles[i], to: now, sleepAfter: sleepAfter)
                }
                result.append(contentsOf: vehicles)
            }
        }
        result.sort { $0.index < $1.index }
        return result
    }

    // MARK: Accounts

    public func withAccount<R, E: Error>(_ index: Int, _ body: (inout Account) throws(E) -> R) throws(E) -> R {
        try accountShards[index % Self.shardCount].lock.withLock { (accounts) throws(E) -> R in
            try body(&accounts[index / Self.shardCount])
        }
    }

    public func allAccounts() -> [Account] {
        var result: [Account] = []
        result.reserveCapacity(accountCount)
        for shard in accountShards { shard.lock.withLock { result.append(contentsOf: $0) } }
        result.sort { $0.index < $1.index }
        return result
    }

    // MARK: Tokens

    func token(_ token: String) -> TokenRecord? {
        tokenShards[Self.tokenShard(token)].lock.withLock { $0[token] }
    }

    func withToken<R>(_ token: String, _ body: (inout TokenRecord?) -> R) -> R {
        tokenShards[Self.tokenShard(token)].lock.withLock { body(&$0[token]) }
    }

    // MARK: Reset

    /// Regenerates the fleet from its seed (same ids), restarting simulated time at now with `timeScale`.
    public func reset(timeScale: Double? = nil) {
        let wall = clock.now()
        let base = timeBase.withLock { base in
            base = TimeBase(origin: wall, scale: timeScale ?? base.scale)
            return base
        }
        let (vehicles, accounts) = FleetGenerator.generate(
            count: vehicleCount, seed: seed, simStart: base.simulated(wall), wallStart: wall, limits: defaultLimits)
        for (s, shard) in vehicleShards.enumerated() {
            let fresh = stride(from: s, to: vehicles.count, by: Self.shardCount).map { vehicles[$0] }
            shard.lock.withLock { $0 = fresh }
        }
        for (s, shard) in accountShards.enumerated() {
            let fresh = stride(from: s, to: accounts.count, by: Self.shardCount).map { accounts[$0] }
            shard.lock.withLock { $0 = fresh }
        }
        let tokens = Self.tokenShards(for: accounts)
        for (s, shard) in tokenShards.enumerated() {
            let fresh = tokens[s].lock.withLock { $0 }
            shard.lock.withLock { $0 = fresh }
        }
        Self.releaseFreedMemory()
    }
}

/// What a token string stands for.
struct TokenRecord: Sendable {
    enum Kind: Sendable { case access, refresh }
    var account: Int
    var kind: Kind
    /// Wall-clock expiry.
    var expiresAt: Double
    /// Refresh tokens: when first used (a used token keeps working for the vendor's grace period).
    var usedAt: Double?
}
