/// How deep a `SIMPLE` level curtails. ``PlanningPolicy/simpleLevels`` maps levels to depths.
///
/// Every depth applies only to eligible vehicles (opted-out, below-minimum-SoC, departing and not-charging
/// vehicles stay ``ChargingTarget/normal``), and only through commands the vendor supports.
public enum SimpleDepth: String, Sendable, Hashable, Codable {
    /// Everyone charges normally.
    case normal
    /// Vehicles whose vendor can set amps are limited to their minimum amps. Vehicles that can only stop are
    /// left alone (``Ineligibility/vendorCannotSetAmps``): stopping is deeper than this depth asks.
    case minimumAmps
    /// Vehicles whose state of charge is above their floor (the driver's minimum SoC, else
    /// ``PlanningPolicy/defaultMinimumSoC``) are stopped. The rest, and those that cannot be stopped, are limited
    /// to minimum amps when their vendor can set amps, else left alone with the reason.
    case stopAboveMinimumSoC
    /// Every vehicle that may be stopped is stopped; those that cannot be stopped but can set amps are limited to
    /// minimum amps; the rest are left alone with the reason.
    case stopAll
}
