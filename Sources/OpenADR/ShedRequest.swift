/// What one event payload asks Curtail to do, in Curtail's terms.
///
/// Built only from validated payloads, so the values are in range: a `SIMPLE` level is 0...3 (0 = normal,
/// 1 moderate, 2 high, 3 emergency shed), an `IMPORT_CAPACITY_LIMIT` is finite, non-negative and in kW.
/// Every other payload type is ``unsupported(type:)``: kept, reported as not acted on, never rejected.
public enum ShedRequest: Sendable, Hashable {
    case simple(level: Int)
    case importCapacityLimit(kW: Double)
    case unsupported(type: PayloadType)

    /// The payload types Curtail acts on.
    public static let supportedTypes: Set<PayloadType> = [.simple, .importCapacityLimit]

    /// `true` unless ``unsupported(type:)``.
    public var isActionable: Bool {
        if case .unsupported = self { return false }
        return true
    }

    /// Maps a payload that ``Event/validated(now:limits:)`` accepted. `kWPerUnit` converts an
    /// `IMPORT_CAPACITY_LIMIT` value from the descriptor's units to kW (1 for `KW` or no units).
    init(validatedPayload payload: ValuesMap, kWPerUnit: Double) {
        switch payload.payloadType {
        case .simple:
            self = .simple(level: payload.values.first?.integerValue ?? 0)
        case .importCapacityLimit:
            self = .importCapacityLimit(kW: (payload.values.first?.doubleValue ?? 0) * kWPerUnit)
        default:
            self = .unsupported(type: payload.payloadType)
        }
    }
}
