/// What a Tesla command did (shared/vendors/tesla-fleet.md §4.4, §12.5).
enum TeslaCommandOutcome: Equatable {
    /// HTTP 200 `{"result": ok, "reason": reason}`.
    case result(Bool, String)
    /// HTTP 400 with this `error`.
    case badRequest(String)
}

/// The charging commands of seeds/tesla-fleet-charging-commands.txt applied to a vehicle. Pure.
enum TeslaCommands {
    static let names: Set<String> = [
        "charge_port_door_open", "charge_port_door_close", "charge_start", "charge_stop", "charge_standard",
        "charge_max_range", "set_charge_limit", "set_charging_amps", "set_scheduled_charging",
        "set_scheduled_departure",
    ]

    /// Applies `name` with `body` to `vehicle.actual` at simulated time `now`.
    static func execute(_ name: String, body: JSONValue, vehicle: inout Vehicle, now: Double) -> TeslaCommandOutcome {
        var lane = vehicle.actual
        defer {
            vehicle.actual = lane
            ChargingPhysics.settle(&vehicle, at: now)
        }
        switch name {
        case "charge_start":
            if !lane.pluggedIn { return .result(false, "disconnected") }
            if vehicle.isDrawing(lane) { return .result(false, "is_charging") }
            if lane.soc >= Double(lane.chargeLimit) { return .result(false, "complete") }
            if lane.evseNoPower { return .result(false, "no_power") }
            lane.chargeEnabled = true
            return .result(true, "")
        case "charge_stop":
            guard vehicle.isDrawing(lane) else { return .result(false, "not_charging") }
            lane.chargeEnabled = false
            return .result(true, "")
        case "charge_standard":
            if lane.chargeLimit <= 90 { return .result(false, "already_started") }
            lane.chargeLimit = 90
            return .result(true, "")
        case "charge_max_range":
            if lane.chargeLimit == 100 { return .result(false, "already_set") }
            lane.chargeLimit = 100
            return .result(true, "")
        case "set_charge_limit":
            guard let value = body["percent"] else { return .badRequest("invalid_field") }
            // Out-of-range or non-integer percents report success and change nothing (§4.4, §11).
            guard let percent = value.strictIntValue, (50...100).contains(percent) else { return .result(true, "") }
            if percent == lane.chargeLimit { return .result(false, "already_set") }
            lane.chargeLimit = percent
            return .result(true, "")
        case "set_charging_amps":
            guard let amps = body["charging_amps"]?.intValue, amps >= 0 else { return .badRequest("invalid_field") }
            // Clamped to what the car will honour; works whether or not it is charging.
            lane.amps = min(amps, vehicle.maxAmps)
            return .result(true, "")
        case "charge_port_door_open":
            vehicle.chargePortDoorOpen = true
            return .result(true, "")
        case "charge_port_door_close":
            if lane.pluggedIn { return .result(false, "cable connected") }
            if !vehicle.chargePortDoorOpen { return .result(false, "already closed") }
            vehicle.chargePortDoorOpen = false
            return .result(true, "")
        case "set_scheduled_charging":
            guard let enable = body["enable"]?.boolValue else { return .badRequest("invalid_field") }
            let time = body["time"]?.intValue ?? vehicle.schedule.startMinutes
            guard (0..<1440).contains(time) else { return .badRequest("invalid_field") }
            vehicle.schedule.enabled = enable
            vehicle.schedule.startMinutes = time
            return .result(true, "")
        case "set_scheduled_departure":
            guard let enable = body["enable"]?.boolValue else { return .badRequest("invalid_field") }
            vehicle.schedule.departureEnabled = enable
            if let t = body["departure_time"]?.intValue { vehicle.schedule.departureMinutes = t }
            if let p = body["preconditioning_enabled"]?.boolValue { vehicle.schedule.preconditioningEnabled = p }
            if let o = body["off_peak_charging_enabled"]?.boolValue { vehicle.schedule.offPeakChargingEnabled = o }
            if let e = body["end_off_peak_time"]?.intValue { vehicle.schedule.offPeakEndMinutes = e }
            return .result(true, "")
        default:
            return .badRequest("invalid_command")
        }
    }
}
