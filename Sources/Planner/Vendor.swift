/// The cloud through which Curtail commands a vehicle.
///
/// An open set: unknown vendors decode and compare, and ``VehicleCapabilities`` treats them as not controllable.
/// Raw values are lower-cased on creation, so `"Tesla"` and `"tesla"` are the same vendor.
public struct Vendor: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    /// Tesla Fleet API (shared/vendors/tesla-fleet.md).
    public static let tesla = Vendor(rawValue: "tesla")
    /// Smartcar API v2.0 (shared/vendors/smartcar.md).
    public static let smartcar = Vendor(rawValue: "smartcar")
}
