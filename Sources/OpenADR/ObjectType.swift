/// The type of an OpenADR object (`objectType`), as in `program.objectType` and `subscription.objectOperations.objects`.
///
/// An ``OpenString``: the static constants name the values the spec defines.
public struct ObjectType: OpenString {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

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
