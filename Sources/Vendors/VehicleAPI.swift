import Foundation

/// A vehicle maker's cloud, as Curtail uses it. One implementation per vendor (Tesla Fleet API, Smartcar v2.0).
///
/// Every call takes the account's current access token; refreshing it is the caller's job (through
/// ``refresh(refreshToken:)``), so tokens live in one place (the database, encrypted). Implementations never log a
/// token. Every failure is a ``VendorError`` whose ``VendorError/Kind`` tells the caller what to do next.
public protocol VehicleAPI: Sendable {
    var vendor: VendorName { get }

    /// Exchanges a refresh token for new credentials (vendors rotate the refresh token too: store both).
    func refresh(refreshToken: String) async throws(VendorError) -> VendorCredentials

    /// The vehicles the account's owner consented to share.
    func listVehicles(accessToken: String) async throws(VendorError) -> [VendorVehicle]

    /// The vehicle's charging state now. A sleeping Tesla answers `.asleep`: wake it first (``send(_:to:accessToken:)``
    /// with `.wake`).
    func chargeState(of vehicleID: String, accessToken: String) async throws(VendorError) -> ChargeState

    /// Sends one command. "Already in that state" answers (Tesla `not_charging` to a stop) are `.alreadyInState`,
    /// a success: commands are idempotent.
    func send(_ command: VehicleCommand, to vehicleID: String, accessToken: String) async throws(VendorError) -> CommandOutcome
}

/// `tesla` or `smartcar`.
public struct VendorName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let tesla = VendorName(rawValue: "tesla")
    public static let smartcar = VendorName(rawValue: "smartcar")
    public var description: String { rawValue }
}

/// OAuth credentials for one vendor account.
public struct VendorCredentials: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var expiresAt: Date

    public init(accessToken: String, refreshToken: String, expiresAt: Date) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
    }
}

/// A vehicle as a vendor lists it.
public struct VendorVehicle: Sendable, Equatable {
    /// The id commands address: the VIN for Tesla, the Smartcar vehicle id.
    public var id: String
    public var make: String
    public var model: String?
    public var year: Int?
    public var vin: String?

    public init(id: String, make: String, model: String? = nil, year: Int? = nil, vin: String? = nil) {
        self.id = id
        self.make = make
        self.model = model
        self.year = year
        self.vin = vin
    }
}

/// A snapshot of charging telemetry. Fields a vendor does not report are `nil`.
public struct ChargeState: Sendable, Equatable {
    public var pluggedIn: Bool?
    public var charging: Bool?
    /// Amps the charger delivers now, and the most it may be set to.
    public var amps: Int?
    public var maxAmps: Int?
    public var powerKW: Double?
    /// State of charge and charge limit, in percent.
    public var soc: Double?
    public var chargeLimit: Double?
    public var voltage: Double?
    public var phases: Int?

    public init(
        pluggedIn: Bool? = nil, charging: Bool? = nil, amps: Int? = nil, maxAmps: Int? = nil, powerKW: Double? = nil,
        soc: Double? = nil, chargeLimit: Double? = nil, voltage: Double? = nil, phases: Int? = nil
    ) {
        self.pluggedIn = pluggedIn
        self.charging = charging
        self.amps = amps
        self.maxAmps = maxAmps
        self.powerKW = powerKW
        self.soc = soc
        self.chargeLimit = chargeLimit
        self.voltage = voltage
        self.phases = phases
    }
}

/// What Curtail asks a vehicle to do.
public enum VehicleCommand: Sendable, Equatable, CustomStringConvertible {
    case wake
    case startCharging
    case stopCharging
    case setChargingAmps(Int)
    /// Percent, 50...100.
    case setChargeLimit(Int)

    public var description: String {
        switch self {
        case .wake: "wake"
        case .startCharging: "start_charging"
        case .stopCharging: "stop_charging"
        case .setChargingAmps(let amps): "set_charging_amps:\(amps)"
        case .setChargeLimit(let percent): "set_charge_limit:\(percent)"
        }
    }
}

/// A command's success.
public enum CommandOutcome: Sendable, Equatable {
    case done
    /// The vehicle was already there (e.g. `not_charging` for a stop); the vendor's reason is kept for the record.
    case alreadyInState(reason: String)
}

/// A vendor call that failed, classified once so every caller reacts the same way.
public struct VendorError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Transient (5xx, timeout, dropped connection): retry with backoff.
        case retryable
        /// The vehicle sleeps (Tesla 408): wake it, then retry.
        case asleep
        /// Slow down; retry no sooner than `retryAfter` seconds (`nil`: the vendor did not say; back off).
        case rateLimited(retryAfter: Double?)
        /// The access token was refused (expired, cycled out, malformed): refresh it once through
        /// ``VehicleAPI/refresh(refreshToken:)`` and retry. Only a refresh that fails with ``needsReconsent`` means
        /// the driver must consent again.
        case unauthorized
        /// The token is dead or revoked, or lacks a scope Curtail needs: the driver must consent again. Retrying
        /// (or refreshing) will not help.
        case needsReconsent
        /// The vehicle cannot do this now (unplugged, unsupported, ...): do not retry this command.
        case permanent
    }

    public let kind: Kind
    /// The vendor's own code or reason (`VEHICLE_STATE:CHARGING_PLUG_NOT_CONNECTED`, `vehicle unavailable: ...`),
    /// safe to show and to log: adapters never put a token or a vendor's free-text description that could echo one
    /// here.
    public let reason: String
    /// The HTTP status, when there was a response.
    public let status: Int?

    public init(_ kind: Kind, reason: String, status: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.status = status
    }

    public var description: String { "VendorError(\(kind), \(reason)\(status.map { ", HTTP \($0)" } ?? ""))" }
}
