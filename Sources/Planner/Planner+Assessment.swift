import Foundation

extension Planner {
    /// One vehicle's request-independent facts: capabilities, eligibility and draw.
    struct Assessment: Sendable {
        var vehicle: VehicleSnapshot
        var preferences: DriverPreferences?
        var capabilities: VehicleCapabilities
        var eligibility: Eligibility
        /// Known pre-curtailment draw, in kW (0 when not charging or unknown).
        var baselineKW: Double
        /// The draw counted against a capacity limit, in kW: the power read, else a bound on it when the vehicle
        /// is (or may be) charging (``VehicleSnapshot/budgetKW(amps:policy:)`` at its amps or maximum), else 0.
        var assumedDrawKW: Double
        /// The kW per amp a capacity limit budgets (``VehicleSnapshot/budgetKW(amps:policy:)`` for one amp).
        var budgetKWPerAmp: Double
        /// Ineligible only because its plugged-in or charging state is unknown: every other rule passes, so a
        /// read of its state (the reconciler's capture) is all that decides whether it takes part.
        var eligibleIfCharging: Bool

        var soc: Double? { vehicle.telemetry.soc }

        func normalPlan(eligibility: Eligibility? = nil) -> VehiclePlan {
            VehiclePlan(
                vehicleID: vehicle.id, target: .normal, eligibility: eligibility ?? self.eligibility,
                baselineKW: baselineKW, plannedKW: assumedDrawKW)
        }

        func plan(_ target: ChargingTarget, plannedKW: Double) -> VehiclePlan {
            VehiclePlan(
                vehicleID: vehicle.id, target: target, eligibility: .eligible, baselineKW: baselineKW,
                plannedKW: plannedKW)
        }
    }

    /// Assesses one vehicle. Checks run in this order and the first that fails is the reason:
    /// 1. opted out (of this event, or of all events until a later time) → ``Ineligibility/optedOut``;
    /// 2. not plugged in → ``Ineligibility/notPluggedIn``;
    /// 3. not charging without Curtail (``VehicleSnapshot/preCurtailment`` says so, or the latest state of charge
    ///    has reached the pre-curtailment charge limit) → ``Ineligibility/notCharging``;
    /// 4. plugged-in or charging state unknown → ``Ineligibility/unknownState``;
    /// 5. state of charge below the driver's minimum → ``Ineligibility/belowMinimumSoC`` (unknown SoC with a
    ///    minimum set → ``Ineligibility/unknownState``);
    /// 6. departure after `now` and within ``PlanningPolicy/departureWindow`` → ``Ineligibility/departingSoon``;
    /// 7. the energy to the charge limit, at the vehicle's uncurtailed power, times
    ///    ``PlanningPolicy/departureChargeMargin``, does not fit between `curtailmentEnd` and departure →
    ///    ``Ineligibility/chargeNeededBeforeDeparture``; when SoC, limit or battery size is unknown, a departure
    ///    before `curtailmentEnd` → ``Ineligibility/departingSoon``;
    /// 8. held back as the event's control group (`heldBack`) → ``ControlGroup/ineligibility``. Decided before any
    ///    allocation, so a capacity limit counts a held-back vehicle's draw as load it cannot shed.
    static func assess(
        _ vehicle: VehicleSnapshot, preferences: DriverPreferences?, now: Date, curtailmentEnd: Date,
        policy: PlanningPolicy, heldBack: Bool = false
    ) -> Assessment {
        let capabilities = VehicleCapabilities(for: vehicle, policy: policy)
        let uncurtailed = vehicle.uncurtailed
        let pluggedIn = vehicle.telemetry.pluggedIn
        var charging = uncurtailed.charging
        if charging == true, vehicle.preCurtailment != nil, let soc = vehicle.telemetry.soc,
            let limit = uncurtailed.chargeLimit, soc >= limit
        {
            charging = false  // it would have finished by now without Curtail
        }
        // Two figures: the best estimate of the draw (the reported baseline), and a bound on it (what a capacity
        // limit budgets). They differ only without a power reading and with unconfirmed electrical facts.
        let readKW = uncurtailed.powerKW
        let estimatedKW = readKW ?? uncurtailed.amps.map { vehicle.kW(amps: $0) }
        let boundKW = readKW ?? vehicle.budgetKW(amps: uncurtailed.amps ?? vehicle.maxAmps, policy: policy)
        let maximumKW = vehicle.kW(amps: vehicle.maxAmps)

        let baselineKW: Double
        let assumedKW: Double
        if pluggedIn == false || charging == false {
            (baselineKW, assumedKW) = (0, 0)
        } else if charging == true {
            (baselineKW, assumedKW) = (estimatedKW ?? maximumKW, boundKW)
        } else {
            (baselineKW, assumedKW) = (estimatedKW ?? 0, boundKW)
        }
        // The power the vehicle charges at, for departure checks: an overestimate would promise it time it lacks.
        let chargingKW = estimatedKW ?? maximumKW

        let stateUnknown = pluggedIn == nil || charging == nil
        func reason(assumingCharging: Bool = false) -> Ineligibility? {
            if preferences?.isOptedOut(at: now) == true { return .optedOut }
            if pluggedIn == false { return .notPluggedIn }
            if charging == false { return .notCharging }
            if stateUnknown && !assumingCharging { return .unknownState }
            let soc = vehicle.telemetry.soc
            if let minimum = preferences?.minimumSoC {
                guard let soc else { return .unknownState }
                if soc < minimum { return .belowMinimumSoC }
            }
            if let departure = preferences?.departure, departure > now {
                if departure <= now.addingTimeInterval(policy.departureWindow) { return .departingSoon }
                let limit = uncurtailed.chargeLimit ?? vehicle.telemetry.chargeLimit
                if let soc, let limit, let battery = vehicle.batteryKWh, chargingKW > 0 {
                    let neededKWh = max(0, limit - soc) / 100 * battery
                    let neededSeconds = neededKWh / chargingKW * 3600 * policy.departureChargeMargin
                    if curtailmentEnd.addingTimeInterval(neededSeconds) > departure {
                        return .chargeNeededBeforeDeparture
                    }
                } else if departure < curtailmentEnd {
                    return .departingSoon
                }
            }
            return heldBack ? ControlGroup.ineligibility : nil
        }

        let eligibility = reason().map(Eligibility.ineligible) ?? .eligible
        return Assessment(
            vehicle: vehicle, preferences: preferences, capabilities: capabilities, eligibility: eligibility,
            baselineKW: baselineKW, assumedDrawKW: assumedKW, budgetKWPerAmp: vehicle.budgetKW(amps: 1, policy: policy),
            eligibleIfCharging: stateUnknown && eligibility.reason == .unknownState && reason(assumingCharging: true) == nil)
    }
}
