/// The type of an OpenADR object (`objectType`), as in `program.objectType` and `subscription.objectOperations.objects`.
///
/// An open set: any string is a legal value (the spec allows private names), and the static constants name the
/// values the spec defines. Encodes as the bare string.
public struct ObjectType: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }


    public static let program = ObjectType(rawValue: "PROGRAM")
    public static let event = ObjectType(rawValue: "EVENT")
    public static let report = ObjectType(rawValue: "REPORT")
    public static let subscription = ObjectType(rawValue: "SUBSCRIPTION")
    public static let ven = ObjectType(rawValue: "VEN")
    public static let resource = ObjectType(rawValue: "RESOURCE")
}

extension ObjectType {
    /// The six object types 3.0.1 defines (`objectTypes` in the YAML).
    public static let defined: Set<ObjectType> = [.program, .event, .report, .subscription, .ven, .resource]
}
