/// A typed list of values (`valuesMap`): payloads, targets and attributes all use this shape.
///
/// `type` is an enumerated or private name (1–128 characters once validated); `values` is always an array, even
/// for one value. The `type` is kept as a plain string so one shape serves payloads (``PayloadType``), targets
/// (``TargetType``) and attributes; use ``payloadType`` or ``targetType`` for the typed view.
public struct ValuesMap: Sendable, Hashable, Codable {
    public var type: String
    public var values: [Value]

    public init(type: String, values: [Value]) {
        self.type = type
        self.values = values
    }

    /// Builds a payload.
    public init(_ type: PayloadType, _ values: [Value]) {
        self.init(type: type.rawValue, values: values)
    }

    /// Builds a target.
    public init(_ type: TargetType, _ values: [String]) {
        self.init(type: type.rawValue, values: values.map(Value.string))
    }

    /// `type` as a payload type.
    public var payloadType: PayloadType { PayloadType(rawValue: type) }
    /// `type` as a target type.
    public var targetType: TargetType { TargetType(rawValue: type) }

    /// One value: `number | integer | string | boolean | point`.
    ///
    /// Decoding tries boolean, integer, number, string, point in that order, so `800`, `800.0` and `8e2` all decode
    /// to `.integer(800)` (they are the same JSON number), and `1.5` to `.number(1.5)`. Equality is numeric across
    /// `.integer` and `.number` (`.integer(800) == .number(800)`), never across other kinds.
    public enum Value: Sendable, Hashable, Codable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
        ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
    {
        case integer(Int)
        case number(Double)
        case string(String)
        case boolean(Bool)
        case point(Point)

        public init(integerLiteral value: Int) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .number(value) }
        public init(stringLiteral value: String) { self = .string(value) }
        public init(booleanLiteral value: Bool) { self = .boolean(value) }

        /// The numeric value of `.integer` or `.number`; `nil` otherwise.
        public var doubleValue: Double? {
            switch self {
            case .integer(let i): return Double(i)
            case .number(let d): return d
            default: return nil
            }
        }

        /// The value as an integer when it is a JSON number with no fractional part; `nil` otherwise.
        public var integerValue: Int? {
            switch self {
            case .integer(let i): return i
            case .number(let d) where d.isFinite && d == d.rounded() && abs(d) < 9e15: return Int(d)
            default: return nil
            }
        }

        /// The string of a `.string`; `nil` otherwise.
        public var stringValue: String? {
            if case .string(let s) = self { return s }
            return nil
        }

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)): return a == b
            case (.boolean(let a), .boolean(let b)): return a == b
            case (.point(let a), .point(let b)): return a == b
            default:
                guard let a = lhs.doubleValue, let b = rhs.doubleValue else { return false }
                return a == b
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .string(let s): hasher.combine(s)
            case .boolean(let b): hasher.combine(b)
            case .point(let p): hasher.combine(p)
            case .integer, .number: hasher.combine(doubleValue)
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) {
                self = .boolean(b)
            } else if let i = try? container.decode(Int.self) {
                self = .integer(i)
            } else if let d = try? container.decode(Double.self) {
                self = .number(d)
            } else if let s = try? container.decode(String.self) {
                self = .string(s)
            } else if let p = try? container.decode(Point.self) {
                self = .point(p)
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a value must be a number, string, boolean or {x, y} point")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .integer(let i): try container.encode(i)
            case .number(let d): try container.encode(d)
            case .string(let s): try container.encode(s)
            case .boolean(let b): try container.encode(b)
            case .point(let p): try container.encode(p)
            }
        }
    }
}
