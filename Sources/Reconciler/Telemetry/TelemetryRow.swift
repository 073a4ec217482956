import Vendors

/// A `telemetry_samples` row in its compact encoding: power in W, SoC in tenths of a percent, flags as bits
/// (bit 0 plugged in, bit 1 charging, bit 2 state known). The one place that encoding lives.
struct TelemetryRow: Sendable {
    let powerW: Int?
    let amps: Int?
    let socPermille: Int?
    let flags: Int

    init(_ state: ChargeState) {
        powerW = state.powerKW.map { Int(($0 * 1000).rounded()) }
        amps = state.amps
        socPermille = state.soc.map { Int(($0 * 10).rounded()) }
        flags = (state.pluggedIn == true ? 1 : 0) | (state.charging == true ? 2 : 0) | (state.pluggedIn != nil ? 4 : 0)
    }
}
