/// The `type` of a payload `valuesMap` and the `payloadType` of a payload descriptor: event and report payload types.
///
/// An open set: any string is a legal value (the spec allows private names), and the static constants name the
/// values the spec defines. Encodes as the bare string.
public struct PayloadType: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }


    public static let simple = PayloadType(rawValue: "SIMPLE")
    public static let price = PayloadType(rawValue: "PRICE")
    public static let chargeStateSetpoint = PayloadType(rawValue: "CHARGE_STATE_SETPOINT")
    public static let dispatchSetpoint = PayloadType(rawValue: "DISPATCH_SETPOINT")
    public static let dispatchSetpointRelative = PayloadType(rawValue: "DISPATCH_SETPOINT_RELATIVE")
    public static let controlSetpoint = PayloadType(rawValue: "CONTROL_SETPOINT")
    public static let exportPrice = PayloadType(rawValue: "EXPORT_PRICE")
    public static let ghg = PayloadType(rawValue: "GHG")
    public static let curve = PayloadType(rawValue: "CURVE")
    public static let ols = PayloadType(rawValue: "OLS")
    public static let importCapacitySubscription = PayloadType(rawValue: "IMPORT_CAPACITY_SUBSCRIPTION")
    public static let importCapacityReservation = PayloadType(rawValue: "IMPORT_CAPACITY_RESERVATION")
    public static let importCapacityReservationFee = PayloadType(rawValue: "IMPORT_CAPACITY_RESERVATION_FEE")
    public static let importCapacityAvailable = PayloadType(rawValue: "IMPORT_CAPACITY_AVAILABLE")
    public static let importCapacityAvailablePrice = PayloadType(rawValue: "IMPORT_CAPACITY_AVAILABLE_PRICE")
    public static let exportCapacitySubscription = PayloadType(rawValue: "EXPORT_CAPACITY_SUBSCRIPTION")
    public static let exportCapacityReservation = PayloadType(rawValue: "EXPORT_CAPACITY_RESERVATION")
    public static let exportCapacityReservationFee = PayloadType(rawValue: "EXPORT_CAPACITY_RESERVATION_FEE")
    public static let exportCapacityAvailable = PayloadType(rawValue: "EXPORT_CAPACITY_AVAILABLE")
    public static let exportCapacityAvailablePrice = PayloadType(rawValue: "EXPORT_CAPACITY_AVAILABLE_PRICE")
    public static let importCapacityLimit = PayloadType(rawValue: "IMPORT_CAPACITY_LIMIT")
    public static let exportCapacityLimit = PayloadType(rawValue: "EXPORT_CAPACITY_LIMIT")
    public static let alertGridEmergency = PayloadType(rawValue: "ALERT_GRID_EMERGENCY")
    public static let alertBlackStart = PayloadType(rawValue: "ALERT_BLACK_START")
    public static let alertPossibleOutage = PayloadType(rawValue: "ALERT_POSSIBLE_OUTAGE")
    public static let alertFlexAlert = PayloadType(rawValue: "ALERT_FLEX_ALERT")
    public static let alertFire = PayloadType(rawValue: "ALERT_FIRE")
    public static let alertFreezing = PayloadType(rawValue: "ALERT_FREEZING")
    public static let alertWind = PayloadType(rawValue: "ALERT_WIND")
    public static let alertTsunami = PayloadType(rawValue: "ALERT_TSUNAMI")
    public static let alertAirQuality = PayloadType(rawValue: "ALERT_AIR_QUALITY")
    public static let alertOther = PayloadType(rawValue: "ALERT_OTHER")
    public static let cta2045Reboot = PayloadType(rawValue: "CTA2045_REBOOT")
    public static let cta2045SetOverrideStatus = PayloadType(rawValue: "CTA2045_SET_OVERRIDE_STATUS")
    public static let reading = PayloadType(rawValue: "READING")
    public static let usage = PayloadType(rawValue: "USAGE")
    public static let demand = PayloadType(rawValue: "DEMAND")
    public static let setpoint = PayloadType(rawValue: "SETPOINT")
    public static let deltaUsage = PayloadType(rawValue: "DELTA_USAGE")
    public static let baseline = PayloadType(rawValue: "BASELINE")
    public static let operatingState = PayloadType(rawValue: "OPERATING_STATE")
    public static let upRegulationAvailable = PayloadType(rawValue: "UP_REGULATION_AVAILABLE")
    public static let downRegulationAvailable = PayloadType(rawValue: "DOWN_REGULATION_AVAILABLE")
    public static let regulationSetpoint = PayloadType(rawValue: "REGULATION_SETPOINT")
    public static let storageUsableCapacity = PayloadType(rawValue: "STORAGE_USABLE_CAPACITY")
    public static let storageChargeLevel = PayloadType(rawValue: "STORAGE_CHARGE_LEVEL")
    public static let storageMaxDischargePower = PayloadType(rawValue: "STORAGE_MAX_DISCHARGE_POWER")
    public static let storageMaxChargePower = PayloadType(rawValue: "STORAGE_MAX_CHARGE_POWER")
    public static let simpleLevel = PayloadType(rawValue: "SIMPLE_LEVEL")
    public static let usageForecast = PayloadType(rawValue: "USAGE_FORECAST")
    public static let storageDispatchForecast = PayloadType(rawValue: "STORAGE_DISPATCH_FORECAST")
    public static let loadShedDeltaAvailable = PayloadType(rawValue: "LOAD_SHED_DELTA_AVAILABLE")
    public static let generationDeltaAvailable = PayloadType(rawValue: "GENERATION_DELTA_AVAILABLE")
    public static let dataQuality = PayloadType(rawValue: "DATA_QUALITY")
    public static let importReservationCapacity = PayloadType(rawValue: "IMPORT_RESERVATION_CAPACITY")
    public static let importReservationFee = PayloadType(rawValue: "IMPORT_RESERVATION_FEE")
    public static let exportReservationCapacity = PayloadType(rawValue: "EXPORT_RESERVATION_CAPACITY")
    public static let exportReservationFee = PayloadType(rawValue: "EXPORT_RESERVATION_FEE")
}
