extension Planner {
    /// Plans a `SIMPLE` level at `depth` (see ``SimpleDepth`` for each depth's contract).
    ///
    /// Ineligible vehicles stay ``ChargingTarget/normal`` with their reason. A vehicle the depth would curtail
    /// but whose vendor cannot do it gets the vendor's reason (``VehicleCapabilities/setAmpsBlocker`` or
    /// ``VehicleCapabilities/stopBlocker``) and stays normal. "Limited" is always to the vehicle's minimum amps
    /// (``VehicleCapabilities/ampsRange`` lower bound).
    ///
    /// At the depths that need no telemetry (``SimpleDepth/stopAll``, ``SimpleDepth/minimumAmps``) a vehicle whose
    /// only blocker is an unknown plugged-in/charging state is targeted anyway when
    /// ``PlanningPolicy/confirmUnknownStateAtCapture`` is on: the reconciler reads its state before the first
    /// command and leaves it alone unless it is charging.
    static func planSimple(depth: SimpleDepth, assessments: [Assessment], policy: PlanningPolicy) -> FleetPlan {
        let needsNoState = depth == .stopAll || depth == .minimumAmps
        let plans = assessments.map { original -> VehiclePlan in
            var assessment = original
            if needsNoState && policy.confirmUnknownStateAtCapture && assessment.eligibleIfCharging {
                assessment.eligibility = .eligible
            }
            guard assessment.eligibility.isEligible else { return assessment.normalPlan() }
            let capabilities = assessment.capabilities
            let minimumAmps = capabilities.ampsRange.lowerBound

            func limitedToMinimum(else reason: Ineligibility) -> VehiclePlan {
                guard capabilities.canSetAmps else { return assessment.normalPlan(eligibility: .ineligible(reason)) }
                let kW = min(assessment.assumedDrawKW, assessment.vehicle.kW(amps: minimumAmps))
                return assessment.plan(.limited(amps: minimumAmps), plannedKW: kW)
            }

            func stopped(else reason: Ineligibility) -> VehiclePlan {
                capabilities.canCurtailByStop
                    ? assessment.plan(.stopped, plannedKW: 0)
                    : limitedToMinimum(else: capabilities.stopBlocker ?? reason)
            }

            switch depth {
            case .normal:
                return assessment.normalPlan()
            case .minimumAmps:
                return limitedToMinimum(else: capabilities.setAmpsBlocker ?? .vendorCannotSetAmps)
            case .stopAboveMinimumSoC:
                let floor = assessment.preferences?.minimumSoC ?? policy.defaultMinimumSoC
                guard let soc = assessment.soc else { return limitedToMinimum(else: .unknownState) }
                return soc > floor ? stopped(else: .vendorCannotStop) : limitedToMinimum(else: .belowMinimumSoC)
            case .stopAll:
                return stopped(else: .vendorCannotStop)
            }
        }
        return FleetPlan(vehicles: plans)
    }
}
