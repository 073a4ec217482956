import Events
import Foundation

/// Everything a Curtail process is configured with, read from the environment (flags override).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `DATABASE_URL` | libpq connection string | required |
/// | `CURTAIL_LISTEN` | `host:port` to serve on | `127.0.0.1:8080` |
/// | `CURTAIL_SECRET_KEY` | 64 hex digits; encrypts vendor tokens at rest | required to store vendor accounts |
/// | `CURTAIL_TLS_CERT`, `CURTAIL_TLS_KEY` | PEM files; serve HTTPS when both are set | plain HTTP |
/// | `TESLA_API_BASE`, `TESLA_AUTH_URL` | Tesla Fleet API base URL and OAuth token URL | Tesla's NA production URLs |
/// | `SMARTCAR_API_BASE`, `SMARTCAR_AUTH_URL` | Smartcar API base URL and OAuth token URL | Smartcar's production URLs |
/// | `CURTAIL_RESTORE_SPREAD` | spread of restores at an event's end | `10m` |
/// | `CURTAIL_TELEMETRY_INTERVAL` | sampling period during events | `60s` |
/// | `CURTAIL_CONTROL_SHARE` | share of eligible vehicles held back per event as a control group (0 disables) | `0.05` |
/// | `CURTAIL_PACING_SHARE` | this process's share of every vendor rate budget, in (0, 1]: `1/N` for N processes | `1` |
/// | `CURTAIL_TOKEN_LIFETIME` | lifetime of issued bearer tokens | `1h` |
/// | `CURTAIL_MIGRATIONS` | directory of `NNNN_name.sql` files | `migrations` |
/// | `CURTAIL_DB_POOL_SIZE` | connections in this process's pool | `10` |
/// | `CURTAIL_VEN_*` | VEN mode (Curtail as a VEN of an upstream VTN): see ``VENConfiguration`` | off |
/// | `CURTAIL_WEBHOOK_ALLOW_NETWORKS` | CIDR blocks webhooks may reach despite being loopback/private/link-local (SECURITY.md) | none: public addresses only |
public struct CurtailConfiguration: Sendable {
    public var databaseURL: String
    public var listenHost: String
    public var listenPort: Int
    public var secretKeyHex: String?
    public var tlsCertificatePath: String?
    public var tlsPrivateKeyPath: String?
    public var teslaAPIBase: String
    public var teslaAuthURL: String
    public var smartcarAPIBase: String
    public var smartcarAuthURL: String
    public var restoreSpread: Duration
    public var telemetryInterval: Duration
    public var tokenLifetime: Duration
    public var migrationsDirectory: String
    public var databasePoolSize: Int
    /// `CURTAIL_CONTROL_SHARE`: the share of eligible vehicles held back per event (see `ControlGroup`).
    public var controlShare: Double = 0.05
    /// `CURTAIL_PACING_SHARE`: this process's share of every vendor rate budget (``PacingLimits/processShare``). The
    /// token buckets live in each process, so N processes on one database each take `1/N` to stay within a vendor's
    /// limits together.
    public var pacingShare: Double = 1
    /// VEN mode (`CURTAIL_VEN_*`), or `nil` when it is off.
    public var ven: VENConfiguration?
    /// `CURTAIL_WEBHOOK_ALLOW_NETWORKS`: where subscription callbacks may point (see ``WebhookDestinationPolicy``).
    public var webhookPolicy: WebhookDestinationPolicy = .publicOnly

    /// A configuration problem, named so an operator can fix it.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the environment. - Throws: ``Invalid`` naming the variable at fault.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> CurtailConfiguration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let databaseURL = value("DATABASE_URL") else { throw Invalid(description: "DATABASE_URL is not set") }
        let listen = value("CURTAIL_LISTEN") ?? "127.0.0.1:8080"
        guard let (host, port) = Self.parseListen(listen) else { throw Invalid(description: "CURTAIL_LISTEN must be host:port, got \(listen)") }
        func duration(_ name: String, _ fallback: String) throws(Invalid) -> Duration {
            let text = value(name) ?? fallback
            guard let parsed = Self.parseDuration(text) else { throw Invalid(description: "\(name) must be a duration like 10m, 30s or 0s, got \(text)") }
            return parsed
        }
        let controlShare = Double(value("CURTAIL_CONTROL_SHARE") ?? "0.05") ?? -1
        guard (0...0.5).contains(controlShare) else { throw Invalid(description: "CURTAIL_CONTROL_SHARE must be a fraction in 0...0.5") }
        let pacingShare = Double(value("CURTAIL_PACING_SHARE") ?? "1") ?? -1
        guard pacingShare > 0 && pacingShare <= 1 else { throw Invalid(description: "CURTAIL_PACING_SHARE must be a fraction in (0, 1], e.g. 0.5 for two processes") }
        let poolSize = Int(value("CURTAIL_DB_POOL_SIZE") ?? "10") ?? 0
        guard (1...200).contains(poolSize) else { throw Invalid(description: "CURTAIL_DB_POOL_SIZE must be 1...200") }
        let cert = value("CURTAIL_TLS_CERT"), key = value("CURTAIL_TLS_KEY")
        guard (cert == nil) == (key == nil) else { throw Invalid(description: "set both CURTAIL_TLS_CERT and CURTAIL_TLS_KEY, or neither") }
        let ven = try VENConfiguration.fromEnvironment(value)
        let allowList = value(WebhookDestinationPolicy.environmentVariable) ?? ""
        guard let webhookPolicy = WebhookDestinationPolicy.parse(allowList: allowList) else {
            throw Invalid(description: "\(WebhookDestinationPolicy.environmentVariable) must list CIDR blocks like 127.0.0.0/8,::1/128, got \(allowList)")
        }
        var configuration = CurtailConfiguration(
            databaseURL: databaseURL, listenHost: host, listenPort: port, secretKeyHex: value("CURTAIL_SECRET_KEY"),
            tlsCertificatePath: cert, tlsPrivateKeyPath: key,
            teslaAPIBase: value("TESLA_API_BASE") ?? "https://fleet-api.prd.na.vn.cloud.tesla.com",
            teslaAuthURL: value("TESLA_AUTH_URL") ?? "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token",
            smartcarAPIBase: value("SMARTCAR_API_BASE") ?? "https://api.smartcar.com",
            smartcarAuthURL: value("SMARTCAR_AUTH_URL") ?? "https://auth.smartcar.com/oauth/token",
            restoreSpread: try duration("CURTAIL_RESTORE_SPREAD", "10m"),
            telemetryInterval: try duration("CURTAIL_TELEMETRY_INTERVAL", "60s"),
            tokenLifetime: try duration("CURTAIL_TOKEN_LIFETIME", "1h"),
            migrationsDirectory: value("CURTAIL_MIGRATIONS") ?? "migrations",
            databasePoolSize: poolSize, controlShare: controlShare)
        configuration.ven = ven
        configuration.webhookPolicy = webhookPolicy
        configuration.pacingShare = pacingShare
        return configuration
    }

    /// Parses `host:port` (`127.0.0.1:8080`, `[::1]:8080`, `:8080` for all interfaces).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Parses `250ms`, `30s`, `10m`, `2h`, or a bare number of seconds.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .milliseconds(Int64((number * scale * 1000).rounded()))
        }
        guard let seconds = Double(text), seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
