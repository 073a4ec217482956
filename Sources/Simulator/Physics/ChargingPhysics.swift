/// Charging physics: pure functions of a vehicle and a span of simulated time.
///
/// Power is constant between events (a command, plugging in or out, reaching the limit), so state of charge moves
/// linearly and energy is integrated exactly: no sampling, and `/_sim/truth` is exact for any window.
public enum ChargingPhysics {
    /// Advances `vehicle` to simulated time `now`: state of charge, energy counters, limit reached, wake completed,
    /// idle sleep. Does nothing when `now` is not after the last update.
    ///
    /// - Parameter sleepAfter: simulated seconds of inactivity after which a vehicle that sleeps falls asleep
    ///   (`nil`: never).
    public static func advance(_ vehicle: inout Vehicle, to now: Double, sleepAfter: Double?) {
        let start = vehicle.updatedAt
        guard now > start else { return }
        let actualEnd = advance(lane: &vehicle.actual, of: vehicle, from: start, to: now)
        _ = advance(lane: &vehicle.counterfactual, of: vehicle, from: start, to: now)
        if vehicle.isDrawing(vehicle.actual) {
            vehicle.lastActive = now
        } else if let end = actualEnd {
            vehicle.lastActive = max(vehicle.lastActive, end)
        }
        if vehicle.asleep, let wakeAt = vehicle.wakeAt, wakeAt <= now, !vehicle.unreachable {
            vehicle.asleep = false
            vehicle.wakeAt = nil
            vehicle.lastActive = max(vehicle.lastActive, wakeAt)
        }
        if let sleepAfter, sleepAfter > 0, vehicle.vendor == .tesla, !vehicle.asleep,
            !vehicle.isDrawing(vehicle.actual), now - vehicle.lastActive >= sleepAfter
        {
            vehicle.asleep = true
            vehicle.wakeAt = nil
        }
        vehicle.updatedAt = now
    }

    /// Advances one lane; returns the time charging ended when it reached the limit in this span.
    @discardableResult
    static func advance(lane: inout ChargeLane, of vehicle: Vehicle, from start: Double, to now: Double) -> Double? {
        let kW = vehicle.power(lane)
        guard kW > 0 else { return nil }
        let hours = (now - start) / 3600
        let toLimitKWh = (Double(lane.chargeLimit) - lane.soc) / 100 * vehicle.capacityKWh
        if kW * hours >= toLimitKWh {
            let reachedAt = start + toLimitKWh / kW * 3600
            lane.soc = Double(lane.chargeLimit)
            lane.sessionEnergyKWh += toLimitKWh
            lane.totalEnergyKWh += toLimitKWh
            record(&lane, at: reachedAt, kW: 0)
            return reachedAt
        }
        let added = kW * hours
        lane.soc += added / vehicle.capacityKWh * 100
        lane.sessionEnergyKWh += added
        lane.totalEnergyKWh += added
        return nil
    }

    /// Appends a power change point when the power differs from the last one.
    public static func record(_ lane: inout ChargeLane, at time: Double, kW: Double) {
        if let last = lane.timeline.last {
            if abs(last.kW - kW) < 1e-9 { return }
            if last.time >= time {
                lane.timeline[lane.timeline.count - 1].kW = kW
                return
            }
        }
        lane.timeline.append(PowerPoint(time: time, kW: kW))
    }

    /// Records the lanes' current power at `now`: call after any change to a lane's settings.
    public static func settle(_ vehicle: inout Vehicle, at now: Double) {
        record(&vehicle.actual, at: now, kW: vehicle.power(vehicle.actual))
        record(&vehicle.counterfactual, at: now, kW: vehicle.power(vehicle.counterfactual))
        if vehicle.isDrawing(vehicle.actual) { vehicle.lastActive = now }
    }

    /// Energy a lane drew in [from, to], kWh, from its timeline. `to` must not be after the lane's last update.
    public static func energy(_ timeline: [PowerPoint], from: Double, to: Double) -> Double {
        guard to > from else { return 0 }
        var total = 0.0
        for (i, point) in timeline.enumerated() {
            let segmentEnd = i + 1 < timeline.count ? timeline[i + 1].time : to
            let a = max(point.time, from)
            let b = min(segmentEnd, to)
            if b > a { total += point.kW * (b - a) / 3600 }
        }
        return total
    }
}
