import Planner
import Vendors

/// The vehicle's own settings before Curtail first touched it in this curtailment: what restoring returns to.
public struct PriorSettings: Sendable, Hashable {
    public var charging: Bool
    public var amps: Int?
    public var chargeLimit: Int?

    public init(charging: Bool, amps: Int?, chargeLimit: Int?) {
        self.charging = charging
        self.amps = amps
        self.chargeLimit = chargeLimit
    }
}

/// The vendor commands that move a vehicle from the target it last confirmed to the one desired. Pure.
///
/// Every sequence is idempotent: replaying it from the start after a crash repeats only "already in that state"
/// answers. Restoring (toward `.normal`) returns to ``PriorSettings``: amps first, then charging, in the way the
/// vehicle's make needs (a Ford with a schedule gets its own charge limit back after it is started, never a bare start).
public enum CommandSequence {
    public static func commands(
        from applied: ChargingTarget, to desired: ChargingTarget, prior: PriorSettings?, capabilities: VehicleCapabilities
    ) -> [VehicleCommand] {
        guard applied != desired else { return [] }
        switch desired {
        case .stopped:
            return [.stopCharging]
        case .limited(let amps):
            var commands: [VehicleCommand] = [.setChargingAmps(amps)]
            // Coming back from a stop to a limit: charge again, at the new amps, if it was charging before.
            if applied == .stopped && (prior?.charging ?? true) { commands.append(.startCharging) }
            return commands
        case .normal:
            guard let prior else { return [] }  // never curtailed: nothing to restore
            var commands: [VehicleCommand] = []
            if case .limited = applied, capabilities.canSetAmps, let amps = prior.amps { commands.append(.setChargingAmps(amps)) }
            if applied == .stopped {
                if capabilities.canSetAmps, let amps = prior.amps { commands.append(.setChargingAmps(amps)) }
                if prior.charging {
                    switch capabilities.restoreMethod {
                    case .start: commands.append(.startCharging)
                    // A Ford/Lincoln whose location has a schedule charges to 100 % on START, which also sets its
                    // limit to 100 % (smartcar seeds): start, then put its own limit back. Set first, the START
                    // would overwrite it.
                    case .setChargeLimit: commands += [.startCharging, .setChargeLimit(prior.chargeLimit ?? 100)]
                    case .none: break
                    }
                }
            }
            return commands
        }
    }
}
