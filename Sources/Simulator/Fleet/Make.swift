/// Which cloud a simulated vehicle is reached through.
public enum Vendor: String, Sendable, Codable, CaseIterable {
    case tesla
    case smartcar
}

/// A vehicle make and the vendor quirks that go with it (shared/vendors/smartcar.md §7, the seeds).
public struct Make: Sendable, Hashable {
    /// Display name and Smartcar's `make` value, upper case (`FORD`).
    public let name: String
    /// Lower-case path segment for Smartcar brand-specific endpoints (`/vehicles/{id}/{make}/...`).
    public let pathName: String
    /// Models and the WMI (first three VIN characters) used for generated VINs.
    public let models: [String]
    public let wmi: String
    /// GM brands: start and stop need at least this state of charge (percent).
    public let minimumSoCForStartStop: Int?
    /// Nissan (US): only START is supported.
    public let stopUnsupportedInUS: Bool
    /// BMW and MINI: start/stop and charge limit need vehicle OS 8 or later.
    public let needsOS8ForCommands: Bool
    /// Ford and Lincoln: a START while the location has a schedule charges to 100 %.
    public let scheduleForcesFullCharge: Bool
    /// OEMs whose charge limit can only be read or set while plugged in.
    public let chargeLimitNeedsPlug: Bool
    /// Has a charge schedule feature the generator may turn on.
    public let hasSchedules: Bool

    init(
        _ name: String, _ models: [String], wmi: String, minimumSoC: Int? = nil, stopUnsupportedInUS: Bool = false,
        needsOS8: Bool = false, scheduleForcesFullCharge: Bool = false, chargeLimitNeedsPlug: Bool = false,
        hasSchedules: Bool = false
    ) {
        self.name = name
        self.pathName = name.lowercased()
        self.models = models
        self.wmi = wmi
        self.minimumSoCForStartStop = minimumSoC
        self.stopUnsupportedInUS = stopUnsupportedInUS
        self.needsOS8ForCommands = needsOS8
        self.scheduleForcesFullCharge = scheduleForcesFullCharge
        self.chargeLimitNeedsPlug = chargeLimitNeedsPlug
        self.hasSchedules = hasSchedules
    }

    public static let tesla = Make(
        "TESLA", ["Model 3", "Model Y", "Model S", "Model X"], wmi: "5YJ", hasSchedules: true)
    public static let ford = Make(
        "FORD", ["Mustang Mach-E", "F-150 Lightning"], wmi: "3FM", scheduleForcesFullCharge: true, hasSchedules: true)
    public static let chevrolet = Make("CHEVROLET", ["Bolt EV", "Equinox EV", "Blazer EV"], wmi: "1G1", minimumSoC: 50)
    public static let cadillac = Make("CADILLAC", ["Lyriq"], wmi: "1GY", minimumSoC: 50)
    public static let nissan = Make(
        "NISSAN", ["Leaf", "Ariya"], wmi: "1N4", stopUnsupportedInUS: true, hasSchedules: true)
    public static let bmw = Make("BMW", ["i4", "iX", "i3"], wmi: "WBY", needsOS8: true)
    public static let mini = Make("MINI", ["Cooper SE"], wmi: "WMW", needsOS8: true)
    public static let volkswagen = Make("VOLKSWAGEN", ["ID.4", "ID.Buzz"], wmi: "1V2", chargeLimitNeedsPlug: true)

    /// Every make, indexed by ``Vehicle``'s `makeIndex`.
    public static let all: [Make] = [.tesla, .ford, .chevrolet, .cadillac, .nissan, .bmw, .mini, .volkswagen]

    var index: UInt8 { UInt8(Self.all.firstIndex(of: self)!) }

    /// Makes reached through Smartcar, with their share of a generated Smartcar fleet.
    static let smartcarMix: [(Make, Double)] = [
        (.ford, 22), (.chevrolet, 20), (.nissan, 14), (.bmw, 12), (.volkswagen, 12), (.tesla, 8), (.cadillac, 6),
        (.mini, 6),
    ]

    public static func == (a: Make, b: Make) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
