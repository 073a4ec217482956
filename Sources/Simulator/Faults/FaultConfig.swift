import Foundation

/// Faults injected into vendor API requests (not into `/_sim` or the token endpoints), set at start from flags or
/// live through `POST /_sim/faults`. A POST replaces the whole configuration; absent fields take their defaults.
///
/// JSON shape (every field optional):
/// ```json
/// {"vendor": "tesla",                         // limit request faults to one vendor; absent: both
///  "latency": "2s±1s",                        // or {"mean_ms": 2000, "jitter_ms": 1000}; uniform in mean±jitter
///  "error_rates": {"500": 0.05, "503": 0.01}, // probability per request of answering with that status
///  "timeout_rate": 0.01, "timeout_seconds": 600,  // no answer: hold the request, then drop the connection
///  "drop_rate": 0.01,                         // close the connection without answering
///  "rate_limit_burst": {"seconds": 30, "retry_after_seconds": 30},  // every request 429 for the next 30 s
///  "outage_seconds": 120,                     // the vendor down: every request, token ones too, dropped unanswered
///  "fall_asleep_after_seconds": 900,          // Teslas idle this long (simulated) fall asleep; 0: never
///  "wake_delay_seconds": 15,                  // simulated seconds from wake_up to online
///  "tesla_proxy_reasons": false,              // refusals as the tesla-http-proxy words them
///  "sleep_vehicles": ["<id>"], "wake_vehicles": ["<id>"],            // put to sleep / wake at once
///  "unreachable_vehicles": ["<id>"], "reachable_vehicles": ["<id>"]} // out of coverage / back
/// ```
public struct FaultConfig: Sendable {
    public var vendor: Vendor?
    /// Seconds.
    public var latencyMean: Double = 0
    public var latencyJitter: Double = 0
    public var errorRates: [(status: Int, rate: Double)] = []
    public var timeoutRate: Double = 0
    public var timeoutSeconds: Double = 600
    public var dropRate: Double = 0
    /// Wall-clock time until which every vendor request is refused with 429.
    public var burstUntil: Double?
    public var burstRetryAfter = 30
    /// Wall-clock time until which the vendor is down: every request (token endpoints included) is dropped unanswered.
    public var outageUntil: Double?
    /// Simulated seconds of idleness after which a Tesla falls asleep; `nil`: never. Defaults to 15 minutes.
    public var fallAsleepAfter: Double? = 900
    /// Simulated seconds from `wake_up` to online. Defaults to 15 s (Tesla says 10–60 s are typical).
    public var wakeDelay: Double = 15
    /// Answer Tesla command refusals as the tesla-http-proxy does: `reason` prefixed with
    /// `car could not execute command: `, plus empty `error` and `error_description` (tesla-fleet.md §3).
    public var teslaProxyReasons = false

    public init() {}

    /// Parses `2s±1s`, `2s+-1s`, `500ms`, `2s`, `1.5`(seconds) into (mean, jitter) seconds.
    public static func parseLatency(_ text: String) -> (mean: Double, jitter: Double)? {
        let normalized = text.replacingOccurrences(of: "+-", with: "±").replacingOccurrences(of: " ", with: "")
        let parts = normalized.split(separator: "±", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let mean = parseDuration(String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let jitter = parseDuration(String(parts[1])) else { return nil }
            return (mean, jitter)
        }
        return (mean, 0)
    }

    /// `250ms`, `2s`, `5m`, `1h`, or a bare number of seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if suffix == "s" && text.hasSuffix("ms") { continue }
            return Double(text.dropLast(suffix.count)).map { $0 * factor }.flatMap { $0 >= 0 ? $0 : nil }
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Reads a POSTed configuration. Throws a message naming the bad field.
    static func parse(_ json: JSONValue, now: Double, defaults: FaultConfig) throws(FaultParseError) -> FaultConfig {
        guard case .object = json else { throw FaultParseError("body must be a JSON object") }
        var config = FaultConfig()
        config.fallAsleepAfter = defaults.fallAsleepAfter
        config.wakeDelay = defaults.wakeDelay
        if let v = json["vendor"], v != .null {
            guard let s = v.stringValue, let vendor = Vendor(rawValue: s) else {
                throw FaultParseError("vendor must be \"tesla\" or \"smartcar\"")
            }
            config.vendor = vendor
        }
        if let latency = json["latency"] {
            if let text = latency.stringValue {
                guard let (mean, jitter) = parseLatency(text) else {
                    throw FaultParseError("latency: use e.g. \"2s±1s\"")
                }
                (config.latencyMean, config.latencyJitter) = (mean, jitter)
            } else if case .object = latency {
                config.latencyMean = (latency["mean_ms"]?.doubleValue ?? 0) / 1000
                config.latencyJitter = (latency["jitter_ms"]?.doubleValue ?? 0) / 1000
            } else if latency != .null {
                throw FaultParseError("latency must be a string or {mean_ms, jitter_ms}")
            }
        }
        if let rates = json["error_rates"], case .object(let members) = rates {
            for (key, value) in members {
                guard let status = Int(key), (400...599).contains(status), let rate = value.doubleValue,
                    (0...1).contains(rate)
                else { throw FaultParseError("error_rates: keys are statuses 400–599, values 0–1") }
                config.errorRates.append((status, rate))
            }
        }
        func rate(_ key: String) throws(FaultParseError) -> Double {
            guard let value = json[key], value != .null else { return 0 }
            guard let r = value.doubleValue, (0...1).contains(r) else { throw FaultParseError("\(key) must be 0–1") }
            return r
        }
        config.timeoutRate = try rate("timeout_rate")
        config.dropRate = try rate("drop_rate")
        if let seconds = json["timeout_seconds"]?.doubleValue { config.timeoutSeconds = max(0, seconds) }
        if let burst = json["rate_limit_burst"], case .object = burst {
            let seconds = burst["seconds"]?.doubleValue ?? 60
            config.burstUntil = now + seconds
            config.burstRetryAfter = burst["retry_after_seconds"]?.intValue ?? Int(seconds.rounded(.up))
        }
        if let outage = json["outage_seconds"], outage != .null {
            guard let seconds = outage.doubleValue, seconds >= 0 else { throw FaultParseError("outage_seconds must be a number ≥ 0") }
            config.outageUntil = now + seconds
        }
        if let sleep = json["fall_asleep_after_seconds"] {
            let seconds = sleep.doubleValue ?? 0
            config.fallAsleepAfter = seconds > 0 ? seconds : nil
        }
        if let delay = json["wake_delay_seconds"]?.doubleValue { config.wakeDelay = max(0, delay) }
        config.teslaProxyReasons = json["tesla_proxy_reasons"]?.boolValue ?? defaults.teslaProxyReasons
        return config
    }

    var json: JSONValue {
        .object([
            ("vendor", .string(vendor?.rawValue)),
            (
                "latency",
                .object([("mean_ms", .double(latencyMean * 1000)), ("jitter_ms", .double(latencyJitter * 1000))])
            ),
            ("error_rates", .object(errorRates.map { (String($0.status), JSONValue.double($0.rate)) })),
            ("timeout_rate", .double(timeoutRate)), ("timeout_seconds", .double(timeoutSeconds)),
            ("drop_rate", .double(dropRate)),
            ("rate_limit_burst_until", burstUntil.map { .string(ISOTime.format($0)) } ?? .null),
            ("rate_limit_burst_retry_after_seconds", .int(burstRetryAfter)),
            ("outage_until", outageUntil.map { .string(ISOTime.format($0)) } ?? .null),
            ("fall_asleep_after_seconds", fallAsleepAfter.map { .double($0) } ?? .null),
            ("wake_delay_seconds", .double(wakeDelay)),
            ("tesla_proxy_reasons", .bool(teslaProxyReasons)),
        ])
    }

    /// What to do with one vendor request.
    enum Action: Equatable {
        case proceed
        case drop
        case timeout(Double)
        case error(Int)
        case burst(retryAfter: Int)
    }

    /// Whether `vendor` is down at `now` (``outageUntil``).
    func isOutage(vendor: Vendor, now: Double) -> Bool {
        if let scope = self.vendor, scope != vendor { return false }
        guard let until = outageUntil else { return false }
        return now < until
    }

    /// Draws this request's latency and action.
    func decide(vendor: Vendor, now: Double) -> (delay: Double, action: Action) {
        if let scope = self.vendor, scope != vendor { return (0, .proceed) }
        if isOutage(vendor: vendor, now: now) { return (0, .drop) }
        let delay =
            latencyJitter > 0
            ? max(0, Double.random(in: (latencyMean - latencyJitter)...(latencyMean + latencyJitter))) : latencyMean
        if let until = burstUntil, now < until {
            return (delay, .burst(retryAfter: max(1, min(burstRetryAfter, Int((until - now).rounded(.up))))))
        }
        if dropRate > 0, Double.random(in: 0..<1) < dropRate { return (delay, .drop) }
        if timeoutRate > 0, Double.random(in: 0..<1) < timeoutRate { return (delay, .timeout(timeoutSeconds)) }
        for (status, rate) in errorRates where rate > 0 && Double.random(in: 0..<1) < rate {
            return (delay, .error(status))
        }
        return (delay, .proceed)
    }
}

struct FaultParseError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
