import Foundation
import Vendors

/// The vendors Curtail speaks to.
public enum FleetVendors {
    public static let known: Set<String> = ["tesla", "smartcar"]
}

/// Names of groups (OpenADR `GROUP` target values): 1–64 characters of `A-Z a-z 0-9 . _ : -`, starting with a letter
/// or digit. The same rule is a CHECK constraint in the schema.
public enum GroupName {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        guard alnum(bytes[0]) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "-") }
    }
}

/// A vendor account as the API shows it: never its tokens.
public struct VendorAccount: Sendable, Encodable, Equatable {
    public var id: UUID
    public var vendor: String
    public var externalID: String?
    /// `active` or `needs_reconsent`.
    public var status: String
    /// Why re-consent is needed (the vendor's reason), when it is.
    public var statusReason: String?
    public var groups: [String]
    /// When the stored access token expires.
    public var expiresAt: Date
    public var lastRefreshedAt: Date?
    public var lastSyncedAt: Date?
    public var vehicleCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, vendor, status, groups
        case externalID = "external_id"
        case statusReason = "status_reason"
        case expiresAt = "expires_at"
        case lastRefreshedAt = "last_refreshed_at"
        case lastSyncedAt = "last_synced_at"
        case vehicleCount = "vehicle_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A driver's wishes for one vehicle.
public struct DriverPreferences: Sendable, Encodable, Equatable {
    /// Percent; the vehicle is never curtailed below it.
    public var minSoc: Int?
    /// Local time of departure, `HH:MM`.
    public var departureTime: String?
    /// ISO weekdays (1 = Monday); empty = every day.
    public var departureDays: [Int]
    public var updatedAt: Date?

    public init(minSoc: Int?, departureTime: String?, departureDays: [Int], updatedAt: Date? = nil) {
        self.minSoc = minSoc
        self.departureTime = departureTime
        self.departureDays = departureDays
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case minSoc = "min_soc"
        case departureTime = "departure_time"
        case departureDays = "departure_days"
        case updatedAt = "updated_at"
    }
}

/// An enrolled vehicle with its capabilities, memberships and preferences.
public struct Vehicle: Sendable, Encodable, Equatable {
    public var id: UUID
    public var vendor: String
    public var vendorVehicleID: String
    public var accountID: UUID?
    public var make: String?
    public var model: String?
    public var year: Int?
    public var country: String
    public var voltage: Int
    public var phases: Int
    public var minAmps: Int
    public var maxAmps: Int
    public var batteryKWh: Double?
    /// Where `voltage`, `phases` and `max_amps` came from: `assumed` (the defaults), `vendor` (the vendor's readings)
    /// or `operator`. With `assumed` facts the planner budgets a conservative bound of the vehicle's draw.
    public var electricalSource: String
    /// `active`, `needs_reconsent` or `removed`.
    public var status: String
    public var groups: [String]
    public var programs: [String]
    public var preferences: DriverPreferences?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, vendor, make, model, year, country, voltage, phases, status, groups, programs, preferences
        case vendorVehicleID = "vendor_vehicle_id"
        case accountID = "account_id"
        case minAmps = "min_amps"
        case maxAmps = "max_amps"
        case batteryKWh = "battery_kwh"
        case electricalSource = "electrical_source"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A group and how many (non-removed) vehicles are in it.
public struct GroupSummary: Sendable, Encodable, Equatable {
    public var name: String
    public var vehicleCount: Int
    enum CodingKeys: String, CodingKey {
        case name
        case vehicleCount = "vehicle_count"
    }
}

/// A vehicle left out of curtailment.
public struct OptOut: Sendable, Encodable, Equatable {
    public var id: UUID
    public var vehicleID: UUID
    /// The OpenADR event id, when the opt-out is for one event.
    public var eventID: String?
    /// The end of the opt-out, when it is for a period.
    public var until: Date?
    /// `operator` or `driver`.
    public var source: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, until, source
        case vehicleID = "vehicle_id"
        case eventID = "event_id"
        case createdAt = "created_at"
    }
}

/// What a vendor sync changed.
public struct SyncResult: Sendable, Encodable, Equatable {
    public struct Entry: Sendable, Encodable, Equatable {
        public var id: UUID
        public var vendorVehicleID: String
        enum CodingKeys: String, CodingKey {
            case id
            case vendorVehicleID = "vendor_vehicle_id"
        }
    }
    public var accountID: UUID
    public var added: [Entry]
    public var updated: [Entry]
    /// Vehicles of this account the vendor no longer lists: marked `removed`.
    public var removed: [Entry]

    enum CodingKeys: String, CodingKey {
        case added, updated, removed
        case accountID = "account_id"
    }
}
