/// Why a vehicle does not take part (or takes a lesser part) in a curtailment: a stable code that reports show.
///
/// An open set: ``code`` is the stable, snake_case string stored and reported; the static constants are the
/// codes the planner emits. Encodes as the bare code.
public struct Ineligibility: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The stable code, e.g. `"below_minimum_soc"`.
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public var code: String { rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // Driver and state rules (DESIGN §5, "never strand a driver"; §6, baseline 0 when not charging).

    /// The driver opted out of this event, or of all events until a date still in the future.
    public static let optedOut = Ineligibility(rawValue: "opted_out")
    /// No cable connected.
    public static let notPluggedIn = Ineligibility(rawValue: "not_plugged_in")
    /// Plugged in but not charging (or would have reached its charge limit): nothing to curtail.
    public static let notCharging = Ineligibility(rawValue: "not_charging")
    /// State of charge below the driver's minimum (or, for SIMPLE level 2, not above the stop floor).
    public static let belowMinimumSoC = Ineligibility(rawValue: "below_minimum_soc")
    /// The driver departs within the policy's departure window, or before the curtailment ends.
    public static let departingSoon = Ineligibility(rawValue: "departing_soon")
    /// The energy needed to reach the charge limit would not fit between the curtailment's end and departure.
    public static let chargeNeededBeforeDeparture = Ineligibility(rawValue: "charge_needed_before_departure")
    /// A fact the rule needs (plugged in, charging, state of charge) is unknown.
    public static let unknownState = Ineligibility(rawValue: "unknown_state")

    // Vendor rules (VehicleCapabilities, with sources there).

    /// The vendor or make cannot stop charging remotely (Nissan via Smartcar in the US).
    public static let vendorCannotStop = Ineligibility(rawValue: "vendor_cannot_stop")
    /// The vendor cannot set charging amps (Smartcar v2.0), so a reduce-to-amps request cannot be met.
    public static let vendorCannotSetAmps = Ineligibility(rawValue: "vendor_cannot_set_amps")
    /// GM brands need ≥ 50 % state of charge to start or stop charging via Smartcar.
    public static let socTooLowForVendorCommand = Ineligibility(rawValue: "soc_too_low_for_vendor_command")
    /// BMW and MINI need OS 8+ for charge commands.
    public static let osTooOld = Ineligibility(rawValue: "os_too_old")
    /// BMW or MINI whose OS version is unknown: treated as too old.
    public static let osVersionUnknown = Ineligibility(rawValue: "os_version_unknown")
    /// Nissan whose country is unknown: treated as US (cannot stop).
    public static let regionUnknown = Ineligibility(rawValue: "region_unknown")
    /// A vendor Curtail has no adapter for.
    public static let vendorUnsupported = Ineligibility(rawValue: "vendor_unsupported")
    /// The vehicle cannot be restarted remotely, so stopping it would strand the driver.
    public static let cannotRestore = Ineligibility(rawValue: "cannot_restore")
}
