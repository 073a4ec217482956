/// Smartcar commands with the make notes of the seeds (shared/vendors/smartcar.md §7). Pure.
enum SmartcarCommands {
    /// `POST /charge` with `START` or `STOP`.
    static func charge(_ action: String, vehicle: inout Vehicle, now: Double) throws(SmartcarError) {
        let make = vehicle.make
        if make.needsOS8ForCommands && vehicle.osVersion < 8 { throw SmartcarError.vehicleNotCapable }
        if action == "STOP" && make.stopUnsupportedInUS && vehicle.market == "US" {
            throw SmartcarError.vehicleNotCapable
        }
        var lane = vehicle.actual
        guard lane.pluggedIn else { throw SmartcarError.plugNotConnected }
        if let minimum = make.minimumSoCForStartStop, lane.soc < Double(minimum) { throw SmartcarError.lowBattery }
        if action == "START" {
            if vehicle.isDrawing(lane) { throw SmartcarError.chargingInProgress }
            if make.scheduleForcesFullCharge && vehicle.schedule.enabled {
                // Ford: START with a location schedule charges to 100 %, and the limit then reads 1.
                lane.chargeLimit = 100
            }
            if lane.soc >= Double(lane.chargeLimit) { throw SmartcarError.fullyCharged }
            if lane.evseNoPower { throw SmartcarError.chargeFault }
            lane.chargeEnabled = true
        } else {
            guard vehicle.isDrawing(lane) else { throw SmartcarError.notCharging }
            lane.chargeEnabled = false
        }
        vehicle.actual = lane
        vehicle.lastActive = now
        ChargingPhysics.settle(&vehicle, at: now)
    }

    /// `POST /charge/limit` with a fraction already validated to 0.5...1.
    static func setLimit(_ limit: Double, vehicle: inout Vehicle, now: Double) throws(SmartcarError) {
        if vehicle.make.needsOS8ForCommands && vehicle.osVersion < 8 { throw SmartcarError.vehicleNotCapable }
        if vehicle.make.chargeLimitNeedsPlug && !vehicle.actual.pluggedIn { throw SmartcarError.plugNotConnected }
        vehicle.actual.chargeLimit = Int((limit * 100).rounded())
        ChargingPhysics.settle(&vehicle, at: now)
    }

    /// `POST /tesla/charge/ammeter`: clamps to what the charger supports; needs the car plugged in.
    static func setAmperage(_ amps: Int, vehicle: inout Vehicle, now: Double) throws(SmartcarError) -> Int {
        guard vehicle.make == .tesla else { throw SmartcarError.makeNotCompatible }
        guard vehicle.actual.pluggedIn else { throw SmartcarError.plugNotConnected }
        vehicle.actual.amps = min(amps, vehicle.maxAmps)
        ChargingPhysics.settle(&vehicle, at: now)
        return vehicle.actual.amps
    }
}
