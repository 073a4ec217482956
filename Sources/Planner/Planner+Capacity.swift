extension Planner {
    /// Absolute slack for comparing sums of kW against the cap (floating-point rounding only).
    static let kWTolerance = 1e-9

    /// One eligible, charging vehicle whose amps can be set.
    private struct Adjustable {
        var index: Int
        var soc: Double
        var kWPerAmp: Double
        var minimumAmps: Int
        /// The amps it draws without Curtail, within its range: above this it is simply ``ChargingTarget/normal``.
        var demandAmps: Int
        /// Its uncurtailed draw, never less than `demandAmps` worth.
        var normalKW: Double
        var stoppable: Bool

        /// Draw at `amps`: `normalKW` from `demandAmps` up (then it is planned as normal), else V × A × phases.
        func kW(amps: Int) -> Double { amps >= demandAmps ? normalKW : kWPerAmp * Double(amps) }
    }

    /// Plans an `IMPORT_CAPACITY_LIMIT` of `capKW` over the group: the sum of every vehicle's planned draw stays
    /// at or under the cap whenever that is possible.
    ///
    /// 1. Load Curtail may not touch counts against the cap at its current draw: ineligible vehicles that are (or
    ///    may be) charging, and charging vehicles whose vendor can neither set amps nor stop (with the vendor's
    ///    reason). Vehicles that are not charging count 0.
    /// 2. If everyone charging as usual fits, everyone stays ``ChargingTarget/normal``.
    /// 3. Otherwise every amps-capable vehicle is first taken to its minimum amps. If that still exceeds the cap,
    ///    vehicles are stopped one at a time, highest state of charge first (unknown SoC counts as 0, so it is
    ///    stopped last), among those that may be stopped: stop-only vehicles (only now, when needed) and
    ///    amps-capable ones alike; ties stop the larger draw first, then input order.
    /// 4. If nothing more may be stopped and the minimum load still exceeds the cap, the plan is infeasible:
    ///    ``FleetPlan/shortfallKW`` says by how much, and every curtailable vehicle stays at its deepest target.
    /// 5. The remaining headroom is water-filled over the running amps-capable vehicles in whole amps: the
    ///    highest common level L such that every vehicle at `clamp(L, minAmps, demand)` fits; then one more amp
    ///    each, lowest state of charge first, while it fits. A vehicle granted its uncurtailed demand is
    ///    ``ChargingTarget/normal``; one below it is ``ChargingTarget/limited(amps:)``.
    static func planCapacity(capKW rawCap: Double, assessments: [Assessment]) -> FleetPlan {
        var plans = assessments.map { $0.normalPlan() }
        guard rawCap.isFinite else { return FleetPlan(vehicles: plans) }
        let capKW = max(0, rawCap)

        var fixedKW = 0.0
        var adjustable: [Adjustable] = []
        var stopOnly: [(index: Int, soc: Double, kW: Double)] = []
        for (index, assessment) in assessments.enumerated() where assessment.assumedDrawKW > 0 {
            let capabilities = assessment.capabilities
            let drawKW = assessment.assumedDrawKW
            guard assessment.eligibility.isEligible else {
                fixedKW += drawKW
                continue
            }
            let soc = assessment.soc ?? 0
            if capabilities.canSetAmps {
                let vehicle = assessment.vehicle
                let uncurtailed = vehicle.uncurtailed
                let kWPerAmp = assessment.budgetKWPerAmp
                let observedAmps =
                    uncurtailed.amps
                    ?? uncurtailed.powerKW.map { kWPerAmp > 0 ? Int(($0 / kWPerAmp).rounded(.up)) : vehicle.maxAmps }
                    ?? vehicle.maxAmps
                let range = capabilities.ampsRange
                let demandAmps = min(max(observedAmps, range.lowerBound), range.upperBound)
                adjustable.append(
                    Adjustable(
                        index: index, soc: soc, kWPerAmp: kWPerAmp, minimumAmps: range.lowerBound,
                        demandAmps: demandAmps, normalKW: max(drawKW, kWPerAmp * Double(demandAmps)),
                        stoppable: capabilities.canCurtailByStop))
            } else if capabilities.canCurtailByStop {
                stopOnly.append((index, soc, drawKW))
            } else {
                fixedKW += drawKW
                plans[index].eligibility = .ineligible(capabilities.stopBlocker ?? .vendorCannotStop)
            }
        }

        let uncurtailedKW =
            fixedKW + stopOnly.reduce(0) { $0 + $1.kW } + adjustable.reduce(0) { $0 + $1.normalKW }
        if uncurtailedKW <= capKW + kWTolerance {
            return FleetPlan(vehicles: plans, capKW: capKW)
        }

        // Step 3: everyone adjustable at minimum amps, then stop, highest SoC first, while over the cap.
        enum Stoppable {
            case stopOnly(Int)
            case adjustable(Int)
        }
        var candidates: [(which: Stoppable, soc: Double, freedKW: Double, index: Int)] = []
        for (position, vehicle) in stopOnly.enumerated() {
            candidates.append((.stopOnly(position), vehicle.soc, vehicle.kW, vehicle.index))
        }
        for (position, vehicle) in adjustable.enumerated() where vehicle.stoppable {
            candidates.append(
                (.adjustable(position), vehicle.soc, vehicle.kW(amps: vehicle.minimumAmps), vehicle.index))
        }
        candidates.sort {
            ($0.soc, $0.freedKW, -$0.index) > ($1.soc, $1.freedKW, -$1.index)
        }

        var minimumKW =
            fixedKW + stopOnly.reduce(0) { $0 + $1.kW }
            + adjustable.reduce(0) { $0 + $1.kW(amps: $1.minimumAmps) }
        var stoppedAdjustable = Set<Int>()
        for candidate in candidates where minimumKW > capKW + kWTolerance {
            minimumKW -= candidate.freedKW
            switch candidate.which {
            case .stopOnly(let position):
                plans[stopOnly[position].index] = assessments[stopOnly[position].index].plan(.stopped, plannedKW: 0)
            case .adjustable(let position):
                stoppedAdjustable.insert(position)
                plans[adjustable[position].index] = assessments[adjustable[position].index].plan(.stopped, plannedKW: 0)
            }
        }
        let shortfallKW = minimumKW > capKW + kWTolerance ? minimumKW - capKW : 0

        // Step 5: water-fill the headroom over the running adjustable vehicles.
        let running = adjustable.indices.filter { !stoppedAdjustable.contains($0) }
        var amps = Dictionary(uniqueKeysWithValues: running.map { ($0, adjustable[$0].minimumAmps) })
        var headroomKW = max(0, capKW - minimumKW)
        if shortfallKW == 0, !running.isEmpty {
            func extraKW(atLevel level: Int) -> Double {
                running.reduce(0) { sum, position in
                    let vehicle = adjustable[position]
                    let granted = min(max(level, vehicle.minimumAmps), vehicle.demandAmps)
                    return sum + vehicle.kW(amps: granted) - vehicle.kW(amps: vehicle.minimumAmps)
                }
            }
            var low = running.map { adjustable[$0].minimumAmps }.min() ?? 0
            var high = running.map { adjustable[$0].demandAmps }.max() ?? low
            while low < high {  // the highest level whose extra draw fits
                let middle = (low + high + 1) / 2
                if extraKW(atLevel: middle) <= headroomKW + kWTolerance { low = middle } else { high = middle - 1 }
            }
            headroomKW -= extraKW(atLevel: low)
            for position in running {
                let vehicle = adjustable[position]
                amps[position] = min(max(low, vehicle.minimumAmps), vehicle.demandAmps)
            }
            let byLowestSoC = running.sorted {
                (adjustable[$0].soc, adjustable[$0].index) < (adjustable[$1].soc, adjustable[$1].index)
            }
            for position in byLowestSoC {
                let vehicle = adjustable[position]
                let current = amps[position] ?? vehicle.minimumAmps
                guard current < vehicle.demandAmps else { continue }
                let delta = vehicle.kW(amps: current + 1) - vehicle.kW(amps: current)
                if delta <= headroomKW + kWTolerance {
                    amps[position] = current + 1
                    headroomKW -= delta
                }
            }
        }

        for position in running {
            let vehicle = adjustable[position]
            let granted = amps[position] ?? vehicle.minimumAmps
            let assessment = assessments[vehicle.index]
            plans[vehicle.index] =
                granted >= vehicle.demandAmps
                ? assessment.plan(.normal, plannedKW: vehicle.normalKW)
                : assessment.plan(.limited(amps: granted), plannedKW: vehicle.kW(amps: granted))
        }
        return FleetPlan(vehicles: plans, capKW: capKW, shortfallKW: shortfallKW)
    }
}
