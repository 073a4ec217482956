/// What Curtail can do to one vehicle's charging, derived from its vendor, make and telemetry.
///
/// This is the one place vendor and make rules live. Each rule cites the vendor document it comes from
/// (shared/vendors/, shared/seeds/). A rule whose input is unknown (OS version, country, state of charge) is
/// treated as failing: Curtail plans only commands it expects to succeed, so that a capacity plan's arithmetic
/// holds and no vehicle is stopped that may not restart.
public struct VehicleCapabilities: Sendable, Hashable {
    /// Charging amps can be set (Tesla `set_charging_amps`).
    public var canSetAmps: Bool
    /// Charging can be stopped remotely.
    public var canStop: Bool
    /// Charging can be started remotely.
    public var canStart: Bool
    /// How a stopped vehicle is returned to charging.
    public var restoreMethod: RestoreMethod
    /// The amps range Curtail may ask for, per phase: the vehicle's `minAmps...maxAmps`, raised to a vendor
    /// floor where one applies (Tesla: ``PlanningPolicy/teslaMinimumAmps``).
    public var ampsRange: ClosedRange<Int>
    /// Why amps cannot be set; `nil` when ``canSetAmps``.
    public var setAmpsBlocker: Ineligibility?
    /// Why the vehicle cannot be stopped (or must not be, because it could not be restored); `nil` when it can.
    public var stopBlocker: Ineligibility?
    /// Why charging cannot be started; `nil` when ``canStart``.
    public var startBlocker: Ineligibility?

    /// `true` when stopping is allowed: the vehicle can be stopped *and* restored.
    public var canCurtailByStop: Bool { stopBlocker == nil }

    /// Smartcar's threshold for GM brands, in percent (seeds/smartcar-start-stop-charge.md).
    public static let gmCommandMinimumSoC: Double = 50
    /// BMW and MINI need this OS version or later (seeds/smartcar-start-stop-charge.md, smartcar-charge-limit.md).
    public static let bmwMinimumOSVersion = 8

    /// Derives the capabilities of `vehicle` under `policy`.
    public init(for vehicle: VehicleSnapshot, policy: PlanningPolicy = PlanningPolicy()) {
        var canSetAmps = false
        var setAmpsBlocker: Ineligibility? = .vendorCannotSetAmps
        var canStop = true
        var canStart = true
        var stopBlocker: Ineligibility?
        var startBlocker: Ineligibility?
        var restore = RestoreMethod.start
        var minAmps = vehicle.minAmps

        switch vehicle.vendor {
        case .tesla:
            // tesla-fleet.md §4 and seeds/tesla-fleet-charging-commands.txt: charge_start, charge_stop and
            // set_charging_amps ("Sets the charge amps limit to a custom value"). No documented amps range; the
            // app refuses below 5 A and the car clamps to charge_current_request_max [obs].
            canSetAmps = true
            setAmpsBlocker = nil
            minAmps = max(minAmps, policy.teslaMinimumAmps)

        case .smartcar:
            // smartcar.md §4, seeds/smartcar-start-stop-charge.md: v2.0 commands are START/STOP and the charge
            // limit (0.5...1); there is no generic amps command. Teslas have the brand-specific
            // `tesla/charge/ammeter` (smartcar.md §4 [doc]), used only when the policy enables it.
            if vehicle.make == .tesla && policy.smartcarTeslaAmmeter {
                canSetAmps = true
                setAmpsBlocker = nil
                minAmps = max(minAmps, policy.teslaMinimumAmps)
            }
            let make = vehicle.make
            if make == .bmw || make == .mini {
                // seeds/smartcar-start-stop-charge.md, seeds/smartcar-charge-limit.md, "BMW and MINI": "Vehicle
                // needs to be on OS Version 8+" for start/stop and for the charge limit.
                if let os = vehicle.osMajorVersion {
                    if os < Self.bmwMinimumOSVersion {
                        (canStop, canStart) = (false, false)
                        stopBlocker = .osTooOld
                        startBlocker = .osTooOld
                    }
                } else {
                    (canStop, canStart) = (false, false)
                    stopBlocker = .osVersionUnknown
                    startBlocker = .osVersionUnknown
                }
            } else if make == .nissan {
                // seeds/smartcar-start-stop-charge.md, "Nissan": "Currently only START charge commands are
                // supported in the US." START works; STOP does not. Outside the US the docs state no limit.
                switch vehicle.countryCode?.uppercased() {
                case "US":
                    canStop = false
                    stopBlocker = .vendorCannotStop
                case nil:
                    canStop = false
                    stopBlocker = .regionUnknown
                default:
                    break
                }
            } else if Make.generalMotors.contains(make) {
                // seeds/smartcar-start-stop-charge.md, "Chevrolet, GMC, Buick and Cadillac": "These vehicles
                // require a minimum charge of 50% in order to be able to start or stop charging via the API."
                // Stopping needs a margin above 50 % so the restart (also ≥ 50 %) still works after idle drain.
                if let soc = vehicle.telemetry.soc {
                    if soc < Self.gmCommandMinimumSoC {
                        canStart = false
                        startBlocker = .socTooLowForVendorCommand
                    }
                    if soc < Self.gmCommandMinimumSoC + policy.gmStopMargin {
                        canStop = false
                        stopBlocker = .socTooLowForVendorCommand
                    }
                } else {
                    (canStop, canStart) = (false, false)
                    stopBlocker = .unknownState
                    startBlocker = .unknownState
                }
            } else if make == .ford || make == .lincoln {
                // seeds/smartcar-start-stop-charge.md and smartcar-charge-limit.md, "Ford and Lincoln": a START
                // while the location has a schedule charges to 100 %; set the limit with charging windows (or clear
                // the schedule) instead. An unknown schedule is treated as present: the limit path is right either
                // way, a bare start is wrong with a schedule.
                if vehicle.telemetry.hasSchedule != false {
                    restore = .setChargeLimit
                }
            }

        default:
            (canStop, canStart) = (false, false)
            setAmpsBlocker = .vendorUnsupported
            stopBlocker = .vendorUnsupported
            startBlocker = .vendorUnsupported
        }

        if !canStart {
            restore = .none
            // Never strand a driver (DESIGN §5): a vehicle that cannot be restarted must not be stopped.
            if stopBlocker == nil { stopBlocker = startBlocker ?? .cannotRestore }
        }

        self.canSetAmps = canSetAmps
        self.canStop = canStop
        self.canStart = canStart
        self.restoreMethod = restore
        self.ampsRange = minAmps...max(minAmps, vehicle.maxAmps)
        self.setAmpsBlocker = setAmpsBlocker
        self.stopBlocker = stopBlocker
        self.startBlocker = startBlocker
    }
}
