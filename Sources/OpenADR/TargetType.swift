/// The `type` of a target `valuesMap` (3.0.1): which names its `values` hold.
///
/// An ``OpenString``: the static constants name the values the spec defines.
public struct TargetType: OpenString {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let powerServiceLocation = TargetType(rawValue: "POWER_SERVICE_LOCATION")
    public static let serviceArea = TargetType(rawValue: "SERVICE_AREA")
    public static let group = TargetType(rawValue: "GROUP")
    public static let resourceName = TargetType(rawValue: "RESOURCE_NAME")
    public static let venName = TargetType(rawValue: "VEN_NAME")
    public static let eventName = TargetType(rawValue: "EVENT_NAME")
    public static let programName = TargetType(rawValue: "PROGRAM_NAME")
}

extension TargetType {
    /// The target types 3.0.1 defines; each holds string values.
    public static let defined: Set<TargetType> = [
        .powerServiceLocation, .serviceArea, .group, .resourceName, .venName, .eventName, .programName,
    ]
}
