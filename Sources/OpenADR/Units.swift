/// The `units` of a payload descriptor (3.0.1 enumeration; private values allowed).
///
/// An ``OpenString``: the static constants name the values the spec defines.
public struct Units: OpenString {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let kwh = Units(rawValue: "KWH")
    public static let ghg = Units(rawValue: "GHG")
    public static let volts = Units(rawValue: "VOLTS")
    public static let amps = Units(rawValue: "AMPS")
    public static let celsius = Units(rawValue: "CELSIUS")
    public static let celcius = Units(rawValue: "CELCIUS")
    public static let fahrenheit = Units(rawValue: "FAHRENHEIT")
    public static let percent = Units(rawValue: "PERCENT")
    public static let kw = Units(rawValue: "KW")
    public static let kvah = Units(rawValue: "KVAH")
    public static let kvarh = Units(rawValue: "KVARH")
    public static let kva = Units(rawValue: "KVA")
    public static let kvar = Units(rawValue: "KVAR")
    public static let therms = Units(rawValue: "THERMS")
}

extension Units {
    /// kW per one of these units, for the power units Curtail converts (`KW` only; `W`/`MW` are not 3.0.1 units).
    var kilowattsPerUnit: Double? {
        rawValue.uppercased() == "KW" ? 1 : nil
    }
}
