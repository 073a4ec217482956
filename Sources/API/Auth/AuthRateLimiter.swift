import Synchronization

/// Limits credential guessing on the token endpoint: token buckets per client address and per `client_id`.
///
/// Every verification of a secret costs one token from the caller's address bucket and one from the named
/// client's bucket; a success gives both back, so only failures are counted. With either bucket empty the
/// endpoint answers `429` with `Retry-After` and checks nothing. Buckets refill continuously.
///
/// The per-`client_id` bucket stops guessing spread over many addresses; its price is that a flood of wrong
/// secrets for one client id delays that client's own token requests until the bucket refills (SECURITY.md).
/// State is per process: with N processes behind a balancer an attacker gets N times the budget.
public final class AuthRateLimiter: Sendable {
    /// Bucket sizes and refill rates.
    public struct Policy: Sendable {
        /// Failed attempts one address may make at once. Defaults to 5.
        public var addressBurst: Int
        /// Failed attempts per minute one address may sustain. Defaults to 10.
        public var addressPerMinute: Double
        /// Failed attempts for one client id at once, from any address. Defaults to 20.
        public var clientBurst: Int
        /// Failed attempts per minute for one client id. Defaults to 30.
        public var clientPerMinute: Double
        /// The most keys each table holds; past it, buckets that have refilled are forgotten. Defaults to 100,000.
        public var maxKeys: Int

        public init(
            addressBurst: Int = 5, addressPerMinute: Double = 10, clientBurst: Int = 20, clientPerMinute: Double = 30,
            maxKeys: Int = 100_000
        ) {
            self.addressBurst = addressBurst
            self.addressPerMinute = addressPerMinute
            self.clientBurst = clientBurst
            self.clientPerMinute = clientPerMinute
            self.maxKeys = maxKeys
        }
    }

    /// What ``acquire(address:clientID:)`` decided.
    public enum Decision: Sendable, Equatable {
        /// Go ahead; call ``refund(_:)`` with this if the credentials turn out right.
        case allowed(Permit)
        /// Refuse, and tell the client when to try again.
        case limited(retryAfter: Duration)
    }

    /// The tokens one attempt took.
    public struct Permit: Sendable, Equatable {
        let address: String
        let clientID: String
    }

    private struct State {
        var addresses: TokenBuckets
        var clients: TokenBuckets
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(policy: Policy = Policy(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        state = Mutex(
            State(
                addresses: TokenBuckets(capacity: policy.addressBurst, perSecond: policy.addressPerMinute / 60, maxKeys: policy.maxKeys),
                clients: TokenBuckets(capacity: policy.clientBurst, perSecond: policy.clientPerMinute / 60, maxKeys: policy.maxKeys)))
        self.now = now
    }

    /// Takes a token for an attempt from `address` (a peer address, with or without port) naming `clientID`.
    public func acquire(address: String?, clientID: String) -> Decision {
        let host = Self.host(of: address ?? "unknown")
        let instant = now()
        return state.withLock { state in
            let waits = [state.addresses.wait(for: host, now: instant), state.clients.wait(for: clientID, now: instant)]
            if let longest = waits.compactMap({ $0 }).max() { return .limited(retryAfter: longest) }
            state.addresses.take(host, now: instant)
            state.clients.take(clientID, now: instant)
            return .allowed(Permit(address: host, clientID: clientID))
        }
    }

    /// Gives back the tokens of an attempt whose credentials were right.
    public func refund(_ permit: Permit) {
        let instant = now()
        state.withLock { state in
            state.addresses.give(permit.address, now: instant)
            state.clients.give(permit.clientID, now: instant)
        }
    }

    /// `127.0.0.1:5555` → `127.0.0.1`, `[::1]:5555` → `::1`: buckets are per host, not per connection.
    public static func host(of address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<close])
        }
        if address.filter({ $0 == ":" }).count == 1, let colon = address.lastIndex(of: ":") { return String(address[..<colon]) }
        return address
    }
}

/// Token buckets by key, refilled continuously; a key with no entry has a full bucket. Pure state.
struct TokenBuckets {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let capacity: Double
    let perSecond: Double
    let maxKeys: Int
    private var buckets: [String: Bucket] = [:]

    init(capacity: Int, perSecond: Double, maxKeys: Int) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        self.maxKeys = maxKeys
    }

    private func tokens(_ key: String, now: ContinuousClock.Instant) -> Double {
        guard let bucket = buckets[key] else { return capacity }
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(capacity, bucket.tokens + max(0, seconds) * perSecond)
    }

    /// How long until `key` has a whole token, or `nil` if it has one now.
    func wait(for key: String, now: ContinuousClock.Instant) -> Duration? {
        let available = tokens(key, now: now)
        if available >= 1 { return nil }
        return .milliseconds(Int(((1 - available) / perSecond * 1000).rounded(.up)))
    }

    mutating func take(_ key: String, now: ContinuousClock.Instant) {
        buckets[key] = Bucket(tokens: tokens(key, now: now) - 1, updated: now)
        if buckets.count > maxKeys { buckets = buckets.filter { tokens($0.key, now: now) < capacity } }
    }

    mutating func give(_ key: String, now: ContinuousClock.Instant) {
        let refilled = min(capacity, tokens(key, now: now) + 1)
        buckets[key] = refilled >= capacity ? nil : Bucket(tokens: refilled, updated: now)
    }
}
