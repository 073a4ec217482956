/// A vehicle's make (brand), as the vendor reports it (Smartcar's `GET /vehicles/{id}` `make`, e.g. `"TESLA"`).
///
/// An open set: raw values are lower-cased on creation, so `"CHEVROLET"` equals ``chevrolet``. Makes without a
/// rule in ``VehicleCapabilities`` get their vendor's generic behaviour.
public struct Make: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    public static let tesla = Make(rawValue: "tesla")
    public static let ford = Make(rawValue: "ford")
    public static let lincoln = Make(rawValue: "lincoln")
    public static let chevrolet = Make(rawValue: "chevrolet")
    public static let gmc = Make(rawValue: "gmc")
    public static let buick = Make(rawValue: "buick")
    public static let cadillac = Make(rawValue: "cadillac")
    public static let nissan = Make(rawValue: "nissan")
    public static let bmw = Make(rawValue: "bmw")
    public static let mini = Make(rawValue: "mini")
    public static let volkswagen = Make(rawValue: "volkswagen")
    public static let audi = Make(rawValue: "audi")
    public static let hyundai = Make(rawValue: "hyundai")
    public static let kia = Make(rawValue: "kia")
    public static let rivian = Make(rawValue: "rivian")

    /// The General Motors brands Smartcar groups under one rule: ≥ 50 % to start or stop charging.
    public static let generalMotors: Set<Make> = [.chevrolet, .gmc, .buick, .cadillac]
}
