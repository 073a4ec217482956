import Foundation

/// The tunable rules of planning, with documented defaults. A `Sendable` value built once at start-up.
public struct PlanningPolicy: Sendable, Hashable {
    /// A vehicle whose driver departs within this interval after `now` is not curtailed. Defaults to 60 minutes.
    public var departureWindow: TimeInterval
    /// How long a curtailment is assumed to last when the caller does not say (`until` in
    /// ``Planner/plan(request:vehicles:preferences:now:policy:until:)``). Defaults to 2 hours.
    public var assumedCurtailment: TimeInterval
    /// Slack on the time needed to reach the charge limit before departure: the vehicle is curtailed only if
    /// `needed × margin` fits between the curtailment's end and departure. Defaults to `1.25`.
    public var departureChargeMargin: Double
    /// The stop floor for ``SimpleDepth/stopAboveMinimumSoC`` when the driver set no minimum SoC, in percent.
    /// Defaults to `20`.
    public var defaultMinimumSoC: Double
    /// Depth of each `SIMPLE` level. Defaults to 0 → ``SimpleDepth/normal``, 1 → ``SimpleDepth/minimumAmps``,
    /// 2 → ``SimpleDepth/stopAboveMinimumSoC``, 3 → ``SimpleDepth/stopAll``. See ``depth(forSimpleLevel:)``.
    public var simpleLevels: [Int: SimpleDepth]
    /// The least amps Curtail asks a Tesla for. The Tesla app refuses below 5 A; the API has been seen to accept
    /// less while the car still draws 5 A (tesla-fleet.md §4, `set_charging_amps` [obs]). Defaults to `5`.
    public var teslaMinimumAmps: Int
    /// Use Smartcar's Tesla brand-specific `POST /vehicles/{id}/tesla/charge/ammeter` to set amps on Teslas
    /// connected through Smartcar (smartcar.md §4 [doc]). Off by default: it needs Smartcar's virtual key on the
    /// car and an adapter that implements it; when off, Smartcar Teslas are stop-only like other Smartcar makes.
    public var smartcarTeslaAmmeter: Bool
    /// Extra state of charge, in points, a GM vehicle must have above Smartcar's 50 % threshold before Curtail
    /// stops it, so that a little idle drain cannot leave it below 50 % and impossible to restart. Defaults to `2`.
    public var gmStopMargin: Double
    /// Target vehicles whose plugged-in/charging state is unknown (no telemetry yet) at the `SIMPLE` depths that
    /// need no state: ``SimpleDepth/stopAll`` and ``SimpleDepth/minimumAmps``, when every other rule passes. The
    /// reconciler reads the vehicle's state before its first command anyway (the capture of its prior settings)
    /// and leaves it alone if that read shows it is not charging, unplugged or asleep, so the event need not wait
    /// for a telemetry pass (docs/ARCHITECTURE.md, "Unknown state at a SIMPLE stop"). Defaults to `true`.
    public var confirmUnknownStateAtCapture: Bool
    /// The kW per amp (per phase) budgeted for a vehicle whose electrical facts are unconfirmed
    /// (``VehicleSnapshot/electricalFactsConfirmed``) and whose draw was not read: the most any common AC supply
    /// gives, 230 V × 3 phases. With the default 32 A that bounds it at 22 kW, above a US 80 A single-phase car's
    /// 19.2 kW. Used only where it keeps a capacity limit safe, never for the reported baseline. Defaults to `0.69`.
    public var unconfirmedKWPerAmp: Double

    public init(
        departureWindow: TimeInterval = 60 * 60,
        assumedCurtailment: TimeInterval = 2 * 60 * 60,
        departureChargeMargin: Double = 1.25,
        defaultMinimumSoC: Double = 20,
        simpleLevels: [Int: SimpleDepth] = [0: .normal, 1: .minimumAmps, 2: .stopAboveMinimumSoC, 3: .stopAll],
        teslaMinimumAmps: Int = 5,
        smartcarTeslaAmmeter: Bool = false,
        gmStopMargin: Double = 2,
        confirmUnknownStateAtCapture: Bool = true,
        unconfirmedKWPerAmp: Double = 0.69
    ) {
        self.departureWindow = departureWindow
        self.assumedCurtailment = assumedCurtailment
        self.departureChargeMargin = departureChargeMargin
        self.defaultMinimumSoC = defaultMinimumSoC
        self.simpleLevels = simpleLevels
        self.teslaMinimumAmps = teslaMinimumAmps
        self.smartcarTeslaAmmeter = smartcarTeslaAmmeter
        self.gmStopMargin = gmStopMargin
        self.confirmUnknownStateAtCapture = confirmUnknownStateAtCapture
        self.unconfirmedKWPerAmp = unconfirmedKWPerAmp
    }

    /// The depth for a `SIMPLE` level: the mapped one; else ``SimpleDepth/normal`` for levels ≤ 0 and
    /// ``SimpleDepth/stopAll`` above (OpenADR defines 0...3; validation rejects others, so this is a backstop).
    public func depth(forSimpleLevel level: Int) -> SimpleDepth {
        if let depth = simpleLevels[level] { return depth }
        return level <= 0 ? .normal : .stopAll
    }
}
