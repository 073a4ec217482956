/// An account's rate limits. Defaults are the vendors' documented values (shared/vendors/tesla-fleet.md §7,
/// smartcar.md §8); every field can be changed per account through `PATCH /_sim/accounts/{id}`, as a large
/// program's negotiated limits would be. `nil` means unlimited.
public struct RateLimits: Sendable, Codable, Equatable {
    /// Tesla, per vehicle: `vehicle_data` (and other realtime reads) per minute. Defaults to 60.
    public var vehicleDataPerMinute: Int?
    /// Tesla, per vehicle: commands per minute. Defaults to 30.
    public var vehicleCommandsPerMinute: Int?
    /// Tesla, per vehicle: `wake_up` calls per minute. Defaults to 3.
    public var vehicleWakesPerMinute: Int?
    /// Tesla, per account: every vehicle-API request per minute. Undocumented; defaults to unlimited.
    public var accountRequestsPerMinute: Int?
    /// Both vendors, per account: token-endpoint requests per second. Defaults to 20 (Tesla's token endpoint limit).
    public var tokenRequestsPerSecond: Int?
    /// Smartcar, per account: app token bucket (`RATE_LIMIT:SMARTCAR_API`). Defaults to 120, refilling 2 a minute.
    /// Smartcar applies it app-wide; the simulator keeps one bucket per account so limits can differ per account.
    public var appBucketCapacity: Int?
    public var appBucketRefillPerMinute: Double?
    /// Smartcar, per vehicle: requests per hour (`RATE_LIMIT:VEHICLE`). Smartcar publishes no number; defaults to
    /// 20, the older integration guidance (fewer than 20 per vehicle per hour).
    public var vehicleRequestsPerHour: Int?

    public static let documented = RateLimits(
        vehicleDataPerMinute: 60, vehicleCommandsPerMinute: 30, vehicleWakesPerMinute: 3, accountRequestsPerMinute: nil,
        tokenRequestsPerSecond: 20, appBucketCapacity: 120, appBucketRefillPerMinute: 2, vehicleRequestsPerHour: 20)

    public static let unlimited = RateLimits()

    enum CodingKeys: String, CodingKey {
        case vehicleDataPerMinute = "vehicle_data_per_minute"
        case vehicleCommandsPerMinute = "vehicle_commands_per_minute"
        case vehicleWakesPerMinute = "vehicle_wakes_per_minute"
        case accountRequestsPerMinute = "account_requests_per_minute"
        case tokenRequestsPerSecond = "token_requests_per_second"
        case appBucketCapacity = "app_bucket_capacity"
        case appBucketRefillPerMinute = "app_bucket_refill_per_minute"
        case vehicleRequestsPerHour = "vehicle_requests_per_hour"
    }

    public init(
        vehicleDataPerMinute: Int? = nil, vehicleCommandsPerMinute: Int? = nil, vehicleWakesPerMinute: Int? = nil,
        accountRequestsPerMinute: Int? = nil, tokenRequestsPerSecond: Int? = nil, appBucketCapacity: Int? = nil,
        appBucketRefillPerMinute: Double? = nil, vehicleRequestsPerHour: Int? = nil
    ) {
        self.vehicleDataPerMinute = vehicleDataPerMinute
        self.vehicleCommandsPerMinute = vehicleCommandsPerMinute
        self.vehicleWakesPerMinute = vehicleWakesPerMinute
        self.accountRequestsPerMinute = accountRequestsPerMinute
        self.tokenRequestsPerSecond = tokenRequestsPerSecond
        self.appBucketCapacity = appBucketCapacity
        self.appBucketRefillPerMinute = appBucketRefillPerMinute
        self.vehicleRequestsPerHour = vehicleRequestsPerHour
    }

    /// Renders every field, `null` for unlimited.
    var json: JSONValue {
        .object([
            ("vehicle_data_per_minute", .int(vehicleDataPerMinute)),
            ("vehicle_commands_per_minute", .int(vehicleCommandsPerMinute)),
            ("vehicle_wakes_per_minute", .int(vehicleWakesPerMinute)),
            ("account_requests_per_minute", .int(accountRequestsPerMinute)),
            ("token_requests_per_second", .int(tokenRequestsPerSecond)),
            ("app_bucket_capacity", .int(appBucketCapacity)),
            ("app_bucket_refill_per_minute", appBucketRefillPerMinute.map { .double($0) } ?? .null),
            ("vehicle_requests_per_hour", .int(vehicleRequestsPerHour)),
        ])
    }

    /// Applies the members present in a JSON object (`null` → unlimited); unknown keys are ignored.
    mutating func merge(_ patch: JSONValue) {
        func int(_ key: String, _ field: inout Int?) {
            guard let value = patch[key] else { return }
            field = value.intValue
        }
        int("vehicle_data_per_minute", &vehicleDataPerMinute)
        int("vehicle_commands_per_minute", &vehicleCommandsPerMinute)
        int("vehicle_wakes_per_minute", &vehicleWakesPerMinute)
        int("account_requests_per_minute", &accountRequestsPerMinute)
        int("token_requests_per_second", &tokenRequestsPerSecond)
        int("app_bucket_capacity", &appBucketCapacity)
        int("vehicle_requests_per_hour", &vehicleRequestsPerHour)
        if let value = patch["app_bucket_refill_per_minute"] { appBucketRefillPerMinute = value.doubleValue }
    }
}

/// A rate-limit refusal: what the 429 says.
public struct Throttle: Sendable, Equatable {
    /// Whole seconds until a request would be allowed (at least 1).
    public var retryAfter: Int
    /// The limit that was hit, for `RateLimit-Limit`.
    public var limit: Int
}

/// A fixed window counter: at most `limit` requests per `period` seconds, the window starting at its first request.
public struct FixedWindow: Sendable {
    var start: Double = -.infinity
    var count = 0

    /// Counts a request at `now`, or refuses it with the seconds left in the window.
    public mutating func take(now: Double, limit: Int?, period: Double) -> Throttle? {
        guard let limit else { return nil }
        if now >= start + period {
            start = now
            count = 0
        }
        guard count < limit else {
            let left = start + period - now
            return Throttle(retryAfter: max(1, Int(left.rounded(.up))), limit: limit)
        }
        count += 1
        return nil
    }
}

/// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`.
public struct TokenBucket: Sendable {
    var tokens: Double?
    var updatedAt: Double = 0

    public mutating func take(now: Double, capacity: Int?, refillPerMinute: Double?) -> Throttle? {
        guard let capacity else { return nil }
        let refill = (refillPerMinute ?? 0) / 60
        var level = tokens ?? Double(capacity)
        level = min(Double(capacity), level + max(0, now - updatedAt) * refill)
        updatedAt = now
        guard level >= 1 else {
            tokens = level
            let wait = refill > 0 ? (1 - level) / refill : 3600
            return Throttle(retryAfter: max(1, Int(wait.rounded(.up))), limit: capacity)
        }
        tokens = level - 1
        return nil
    }
}

/// Per-vehicle windows (wall-clock seconds).
public struct VehiclePacing: Sendable {
    public var data = FixedWindow()
    public var commands = FixedWindow()
    public var wakes = FixedWindow()
    public var smartcarRequests = FixedWindow()
}

/// Per-account pacing state (wall-clock seconds).
public struct AccountPacing: Sendable {
    public var requests = FixedWindow()
    public var tokenRequests = FixedWindow()
    public var appBucket = TokenBucket()
}
