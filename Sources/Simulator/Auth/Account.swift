/// A vendor account: a driver's consent, with its vehicles, tokens, limits and pacing state.
public struct Account: Sendable {
    public let index: Int
    /// `tesla-000001`, `smartcar-000002`: the control API's name for it.
    public let id: String
    public let vendor: Vendor
    /// Tesla region (`na`, `eu`); Smartcar accounts are `us` or `eu` (informational).
    public let region: String
    /// Smartcar's `GET /v2.0/user` id (a UUID); Tesla's user id.
    public let userID: String
    public let vehicleIndices: [Int]
    public var accessToken: String
    /// Wall-clock seconds since 1970.
    public var accessExpiresAt: Double
    public var refreshToken: String
    public var refreshExpiresAt: Double
    /// Tesla OAuth scopes or Smartcar permissions granted.
    public var scopes: [String]
    public var limits: RateLimits
    public var pacing = AccountPacing()
    public var billable = BillableCounts()
    /// Tesla: the most recently used refresh token stays valid for 24 h; the one before it is cut off.
    var lastUsedRefresh: String?
}

/// Requests that ended with a status below 500, by Tesla pricing category (shared/vendors/tesla-fleet.md §8).
public struct BillableCounts: Sendable {
    public var data = 0
    public var commands = 0
    public var wakes = 0
    public var other = 0

    var json: JSONValue {
        .object([("data", .int(data)), ("commands", .int(commands)), ("wakes", .int(wakes)), ("other", .int(other))])
    }
}

/// How each vendor's OAuth server behaves (shared/vendors/*.md §2).
public struct TokenPolicy: Sendable {
    /// Access-token lifetime, seconds: Tesla 8 h, Smartcar 2 h.
    public var accessLifetime: Double
    /// Refresh-token lifetime: Tesla 3 months, Smartcar 60 days.
    public var refreshLifetime: Double
    /// How long a used refresh token keeps working: Tesla 24 h (the most recent one only), Smartcar 1 minute.
    public var usedRefreshGrace: Double

    public static let tesla = TokenPolicy(
        accessLifetime: 8 * 3600, refreshLifetime: 90 * 86400, usedRefreshGrace: 86400)
    public static let smartcar = TokenPolicy(accessLifetime: 7200, refreshLifetime: 60 * 86400, usedRefreshGrace: 60)

    public static func of(_ vendor: Vendor) -> TokenPolicy { vendor == .tesla ? .tesla : .smartcar }
}

public enum Scopes {
    public static let tesla = [
        "openid", "offline_access", "user_data", "vehicle_device_data", "vehicle_cmds", "vehicle_charging_cmds",
    ]
    public static let smartcar = [
        "read_vehicle_info", "read_vin", "read_battery", "read_charge", "control_charge",
    ]
}
