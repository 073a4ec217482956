// Planner: pure planning of per-vehicle charging targets from OpenADR requests. No I/O, no clock, no SQL.
//
// Decisions recorded here (vendor rules and their sources are in Capabilities.swift):
// - A rule whose input is unknown fails safe: unknown plugged-in/charging state, unknown SoC with a minimum set,
//   unknown BMW/MINI OS version, unknown Nissan country and unknown GM SoC all leave the vehicle uncurtailed, with a
//   reason. Unknown draw is counted against a capacity limit at the vehicle's maximum amps.
// - Curtailment changes telemetry, so a vehicle Curtail already curtails is planned from the telemetry captured just
//   before its first curtailment (`VehicleSnapshot.preCurtailment`); otherwise a stopped car would read "not
//   charging" at the next interval and be released.
// - A vehicle that cannot be restarted (GM below 50 %, BMW/MINI below OS 8) is never stopped; a GM is stopped only
//   with `PlanningPolicy.gmStopMargin` points above 50 % so idle drain cannot leave it unable to restart.
// - SIMPLE: 0 normal, 1 minimum amps (stop-only vehicles left alone), 2 stop above the floor (driver's minimum SoC,
//   else `defaultMinimumSoC` 20 %) and minimum amps below it, 3 stop all that may be stopped. Driver protections
//   (opt-out, minimum SoC, departure) hold at every level, including 3.
// - IMPORT_CAPACITY_LIMIT is the group's aggregate cap. Uncurtailable load counts at its draw; amps-capable vehicles
//   go to minimum amps before anyone is stopped; then the highest SoC is stopped first (stop-only and amps-capable
//   alike); the headroom is water-filled in whole amps with the remainder to the lowest SoC. `FleetPlan.shortfallKW`
//   reports a cap that cannot be held.
// - Smartcar Teslas are stop-only unless `PlanningPolicy.smartcarTeslaAmmeter` is on (brand-specific endpoint, needs
//   Smartcar's virtual key and adapter support).

import Foundation
import OpenADR

/// Pure planning: an interval's request, the targeted vehicles and their drivers' preferences → a
/// ``ChargingTarget`` per vehicle. No I/O, no clock: `now` is an argument.
///
/// ```swift
/// let plan = Planner.plan(request: .importCapacityLimit(kW: 150), vehicles: fleet, preferences: prefs, now: now)
/// for vehicle in plan.vehicles { store(vehicle.vehicleID, vehicle.target.storageValue, vehicle.eligibility) }
/// ```
///
/// Every request first assesses each vehicle (``Planner/assess``): opted out, not plugged in, not charging,
/// unknown state, below the driver's minimum SoC, departing soon, or needing its charge before departure make it
/// ineligible, and it stays ``ChargingTarget/normal``. Then:
/// - `SIMPLE`: the level's ``SimpleDepth`` (``PlanningPolicy/simpleLevels``; by default 0 normal, 1 minimum
///   amps, 2 stop above minimum SoC, 3 stop all that may be stopped).
/// - `IMPORT_CAPACITY_LIMIT`: a water-filling allocation that keeps the group's draw under the cap (see
///   ``Planner/planCapacity(capKW:assessments:)``).
/// - anything else: everyone ``ChargingTarget/normal``.
public enum Planner {
    /// Plans one request for a group of vehicles.
    ///
    /// - Parameters:
    ///   - request: What the interval asks for.
    ///   - vehicles: The targeted vehicles. Each appears once in the result, in this order.
    ///   - preferences: Driver preferences by vehicle id; a missing entry means none.
    ///   - now: The planning instant.
    ///   - policy: Tunable rules; see ``PlanningPolicy`` for the defaults.
    ///   - curtailmentEnd: When the curtailment ends (the interval's end), for the departure-energy rule;
    ///     `nil` assumes `now + policy.assumedCurtailment`.
    /// - Returns: One plan per vehicle, and for a capacity limit whether it can be held.
    public static func plan(
        request: ShedRequest, vehicles: [VehicleSnapshot], preferences: [String: DriverPreferences], now: Date,
        policy: PlanningPolicy = PlanningPolicy(), until curtailmentEnd: Date? = nil, heldBack: Set<String> = []
    ) -> FleetPlan {
        let end = curtailmentEnd ?? now.addingTimeInterval(policy.assumedCurtailment)
        let assessments = vehicles.map {
            assess($0, preferences: preferences[$0.id], now: now, curtailmentEnd: end, policy: policy, heldBack: heldBack.contains($0.id))
        }
        switch request {
        case .simple(let level):
            return planSimple(depth: policy.depth(forSimpleLevel: level), assessments: assessments, policy: policy)
        case .importCapacityLimit(let kW):
            return planCapacity(capKW: kW, assessments: assessments)
        case .unsupported:
            return FleetPlan(vehicles: assessments.map { $0.normalPlan() })
        }
    }

    /// Combines one vehicle's targets from overlapping events into its desired target.
    ///
    /// OpenADR priority: a lower number is a higher priority, and only the highest-priority events count (so a
    /// higher-priority `SIMPLE 0` overrides a lower-priority stop). Among events of equal priority the most
    /// restrictive target wins: `stopped`, then `limited` with fewer amps, then `normal`
    /// (``ChargingTarget/restrictiveness``). No events means ``ChargingTarget/normal``. Pass
    /// ``OpenADR/ValidatedEvent/effectivePriority`` (unspecified priority is `Int.max`, the lowest).
    public static func combine(_ targets: [(priority: Int, target: ChargingTarget)]) -> ChargingTarget {
        guard let highest = targets.map(\.priority).min() else { return .normal }
        var result: ChargingTarget?
        for entry in targets where entry.priority == highest {
            if result.map({ entry.target.isMoreRestrictive(than: $0) }) ?? true { result = entry.target }
        }
        return result ?? .normal
    }
}
