/// How the reconciler returns a stopped vehicle to charging.
public enum RestoreMethod: String, Sendable, Hashable, Codable {
    /// Send the vendor's start command (Tesla `charge_start`, Smartcar `POST /charge {"action":"START"}`).
    case start
    /// Restore the pre-curtailment charge limit (with the schedule's charging windows), not a bare start: a
    /// Ford or Lincoln started while its location has a schedule charges to 100 % (smartcar.md §7).
    case setChargeLimit
    /// The vehicle cannot be restarted remotely, so it must not be stopped.
    case none
}
