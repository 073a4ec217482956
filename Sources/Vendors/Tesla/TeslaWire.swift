import Foundation

/// Tesla Fleet API bodies as Curtail reads them (tesla-fleet.md §3, §4). Every field is optional: Tesla adds and
/// drops fields between firmware releases, and a missing field must not fail a whole answer.
enum TeslaWire {
    /// `{"response": …, "error": …, "error_description": …}`.
    struct Envelope<Response: Decodable>: Decodable {
        var response: Response?
        var error: String?
        var pagination: Pagination?
    }

    struct Pagination: Decodable {
        var next: Int?
    }

    /// A vehicle in `GET /api/1/vehicles`, `GET /api/1/vehicles/{tag}` and `wake_up` answers.
    struct Vehicle: Decodable {
        var id_s: String?
        var vin: String?
        var state: String?
        var display_name: String?
    }

    /// `vehicle_data?endpoints=charge_state`: the vehicle object plus `charge_state`.
    struct VehicleData: Decodable {
        var state: String?
        var charge_state: ChargeStateBody?
    }

    /// The `charge_state` fields Curtail uses (§4.2). Numbers are read as `Double` whatever their JSON type.
    struct ChargeStateBody: Decodable {
        var charging_state: String?
        var charger_actual_current: Double?
        var charge_current_request_max: Double?
        var charger_power: Double?
        var battery_level: Double?
        var charge_limit_soc: Double?
        var charger_voltage: Double?
        var charger_phases: Double?
        var conn_charge_cable: String?
        var fast_charger_present: Bool?
    }

    /// A command's `response`: `result` and `reason`; proxies before v0.3.4 sent the reason as `string` (§3).
    struct CommandResult: Decodable {
        var result: Bool?
        var reason: String?
        var string: String?
    }

    /// The error fields of an error body (§6).
    struct ErrorBody: Decodable {
        var error: String?
    }
}

extension TeslaWire.ChargeStateBody {
    /// Curtail's view of the charge state.
    ///
    /// - Plugged in: any `charging_state` but `Disconnected` (§4.2); without one, a `conn_charge_cable` other than
    ///   `<invalid>`.
    /// - Charging: `Charging` or `Starting`.
    /// - Phases: a `2` at ≥ 180 V is a 3-phase supply misreported (§11).
    /// - Power: V × A × phases / 1000 from the AC readings, because `charger_power` is whole kW; `charger_power` on DC
    ///   fast charging, or when the AC readings are missing or the voltage is the 1–2 V an unplugged car shows.
    var chargeState: ChargeState {
        let plugged: Bool? =
            charging_state.map { $0 != "Disconnected" }
            ?? conn_charge_cable.map { !$0.isEmpty && $0 != "<invalid>" }
        let charging = charging_state.map { $0 == "Charging" || $0 == "Starting" }
        var phases = charger_phases.map { Int($0) }
        if phases == 2, let voltage = charger_voltage, voltage >= 180 { phases = 3 }
        var power = charger_power
        if fast_charger_present != true, let voltage = charger_voltage, voltage > 50, let amps = charger_actual_current,
            let phases
        {
            power = voltage * amps * Double(phases) / 1000
        }
        return ChargeState(
            pluggedIn: plugged, charging: charging, amps: charger_actual_current.map { Int($0) },
            maxAmps: charge_current_request_max.map { Int($0) }, powerKW: power, soc: battery_level,
            chargeLimit: charge_limit_soc, voltage: charger_voltage, phases: phases)
    }
}

/// What a Tesla VIN says about the car (ISO 3779; Tesla's VIN decoder): the model at position 4, the model year at 10.
enum TeslaVIN {
    static func model(_ vin: String) -> String? {
        let chars = Array(vin.uppercased())
        guard chars.count == 17 else { return nil }
        switch chars[3] {
        case "S": return "Model S"
        case "3": return "Model 3"
        case "X": return "Model X"
        case "Y": return "Model Y"
        case "C": return "Cybertruck"
        case "R": return "Roadster"
        default: return nil
        }
    }

    static func year(_ vin: String) -> Int? {
        let chars = Array(vin.uppercased())
        guard chars.count == 17 else { return nil }
        // The code cycles every 30 years; I, O, Q, U, Z and 0 are never used. Tesla builds cars from 2008 on.
        let codes = Array("ABCDEFGHJKLMNPRSTVWXY123456789")
        guard let index = codes.firstIndex(of: chars[9]) else { return nil }
        let year = 2010 + index
        return year > 2039 ? year - 30 : year
    }
}
