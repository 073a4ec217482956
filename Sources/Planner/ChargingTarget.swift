/// What Curtail wants a vehicle's charging to be: the desired state the reconciler moves the vehicle towards.
///
/// Stored as a stable string (``storageValue``): `"normal"`, `"stopped"`, `"limited:16"`. `Codable` uses the same
/// string, so a JSON column and a text column hold the same value.
public enum ChargingTarget: Sendable, Hashable {
    /// Charge as the vehicle would without Curtail: the settings captured before first curtailment.
    case normal
    /// Not charging.
    case stopped
    /// Charging at no more than `amps` (per phase), a whole number of amperes.
    case limited(amps: Int)

    /// How much a target curtails, for ``Planner/combine(_:)``: `stopped` (0) is the most restrictive, then
    /// `limited` by ascending amps, then `normal`.
    ///
    /// Comparable as a tuple: `(0, 0)` for `stopped`, `(1, amps)` for `limited`, `(2, 0)` for `normal`.
    public var restrictiveness: (rank: Int, amps: Int) {
        switch self {
        case .stopped: (0, 0)
        case .limited(let amps): (1, amps)
        case .normal: (2, 0)
        }
    }

    /// `true` when `self` curtails more than `other` (see ``restrictiveness``).
    public func isMoreRestrictive(than other: ChargingTarget) -> Bool {
        restrictiveness < other.restrictiveness
    }

    /// The stable string form: `"normal"`, `"stopped"` or `"limited:<amps>"`.
    public var storageValue: String {
        switch self {
        case .normal: "normal"
        case .stopped: "stopped"
        case .limited(let amps): "limited:\(amps)"
        }
    }

    /// Parses ``storageValue``; `nil` for anything else (including negative or non-decimal amps).
    public init?(storageValue: String) {
        switch storageValue {
        case "normal": self = .normal
        case "stopped": self = .stopped
        default:
            let prefix = "limited:"
            guard storageValue.hasPrefix(prefix) else { return nil }
            let digits = storageValue.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let amps = Int(digits) else {
                return nil
            }
            self = .limited(amps: amps)
        }
    }
}

extension ChargingTarget: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let target = ChargingTarget(storageValue: string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected \"normal\", \"stopped\" or \"limited:<amps>\"")
        }
        self = target
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storageValue)
    }
}

extension ChargingTarget: CustomStringConvertible {
    public var description: String { storageValue }
}
