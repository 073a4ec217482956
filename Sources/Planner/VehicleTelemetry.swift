/// What Curtail last learned about a vehicle's charging. Every field is optional: `nil` means unknown, never a
/// default.
public struct VehicleTelemetry: Sendable, Hashable, Codable {
    /// A charging cable is connected (Tesla: `charging_state != "Disconnected"`; Smartcar: `isPluggedIn`).
    public var pluggedIn: Bool?
    /// Energy is flowing into the battery (Tesla: `Charging`/`Starting`; Smartcar: `state == "CHARGING"`).
    public var charging: Bool?
    /// Charging current per phase, in A (Tesla: `charger_actual_current`; Smartcar Tesla: `charge-amperage`).
    public var amps: Int?
    /// Charging power in kW.
    public var powerKW: Double?
    /// State of charge, in percent (0...100). Smartcar's fraction is multiplied by 100 by the adapter.
    public var soc: Double?
    /// Charge limit, in percent (50...100 on both vendors).
    public var chargeLimit: Double?
    /// A charge schedule is in place at the current location (matters for Ford and Lincoln).
    public var hasSchedule: Bool?

    public init(
        pluggedIn: Bool? = nil, charging: Bool? = nil, amps: Int? = nil, powerKW: Double? = nil,
        soc: Double? = nil, chargeLimit: Double? = nil, hasSchedule: Bool? = nil
    ) {
        self.pluggedIn = pluggedIn
        self.charging = charging
        self.amps = amps
        self.powerKW = powerKW
        self.soc = soc
        self.chargeLimit = chargeLimit
        self.hasSchedule = hasSchedule
    }
}
