import Foundation
import Testing

@testable import Simulator

@Suite struct TeslaTests {
    /// A Tesla made awake, plugged in and charging at 40 %, limit 80.
    func chargingTesla(_ f: SimFixture) async throws -> (Vehicle, String) {
        let v = f.vehicle { $0.vendor == .tesla }
        try await f.prepare(v, #"{"plugged_in": true, "asleep": false, "soc": 40, "charging": true}"#)
        f.store.withVehicle(v.index, sleepAfter: nil) { v, now in
            v.actual.chargeLimit = 80
            v.counterfactual.chargeLimit = 80
            ChargingPhysics.settle(&v, at: now)
        }
        return (v, f.token(for: v))
    }

    func command(_ f: SimFixture, _ v: Vehicle, _ token: String, _ name: String, _ json: String = "{}") async throws
        -> Reply
    {
        try await f.client.post("/api/1/vehicles/\(v.vin)/command/\(name)", token: token, json: json)
    }

    func result(_ r: Reply) -> (Bool?, String?) {
        (r.json["response"]?["result"]?.boolValue, r.json["response"]?["reason"]?.stringValue)
    }

    @Test func listVehicles_ReturnsTheAccountsVehicles_WithPagination() async throws {
        try await SimFixture.run { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let r = try await f.client.get("/api/1/vehicles", token: f.token(for: v))
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "application/json")
            let list = r.json["response"]?.arrayValue ?? []
            #expect(list.count == f.account(of: v).vehicleIndices.count)
            #expect(list.first?["vin"] == .string(v.vin))
            #expect(list.first?["id"] == .int(v.teslaID))
            #expect(list.first?["color"] == .null)
            #expect(r.json["pagination"]?["current"] == .int(1))
            #expect(r.json["count"] == .int(list.count))
            let one = try await f.client.get("/api/1/vehicles/\(v.teslaID)", token: f.token(for: v))
            #expect(one.json["response"]?["vin"] == .string(v.vin))
        }
    }

    @Test func vehicleData_ReturnsChargeState_WithIntegerFields() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            let r = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data?endpoints=charge_state", token: token)
            #expect(r.status == 200)
            let cs = r.json["response"]?["charge_state"]
            #expect(cs?["charging_state"] == .string("Charging"))
            #expect(cs?["battery_level"] == .int(40))
            #expect(cs?["charge_limit_soc"] == .int(80))
            let volts = v.volts, amps = min(v.maxAmps, f.current(v).actual.amps), phases = v.phases
            #expect(cs?["charger_voltage"] == .int(volts))
            #expect(cs?["charger_actual_current"] == .int(amps))
            #expect(cs?["charger_phases"] == .int(phases))
            #expect(cs?["charger_power"] == .int(Int((Double(volts * amps * phases) / 1000).rounded())))
            #expect(cs?["timestamp"]?.strictIntValue != nil)
        }
    }

    @Test func asleepVehicle_Returns408_ThenWakeUpBringsItOnlineAfterTheDelay() async throws {
        var faults = FaultConfig()
        faults.fallAsleepAfter = nil
        faults.wakeDelay = 20
        try await SimFixture.run(faults: faults) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            try await f.prepare(v, #"{"asleep": true}"#)
            let token = f.token(for: v)
            let data = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token)
            #expect(data.status == 408)
            #expect(
                data.json
                    == JSONValue.parse(
                        Array(
                            #"{"response":null,"error":"vehicle unavailable: vehicle is offline or asleep","error_description":""}"#
                                .utf8)))
            let stop = try await command(f, v, token, "charge_stop")
            #expect(stop.status == 408)
            let listed = try await f.client.get("/api/1/vehicles/\(v.vin)", token: token)
            #expect(listed.json["response"]?["state"] == .string("asleep"))
            let wake = try await f.client.post("/api/1/vehicles/\(v.vin)/wake_up", token: token)
            #expect(wake.status == 200)
            #expect(wake.json["response"]?["state"] == .string("asleep"))
            f.clock.advance(by: 10)
            #expect(try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token).status == 408)
            f.clock.advance(by: 11)
            let awake = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token)
            #expect(awake.status == 200)
            #expect(awake.json["response"]?["state"] == .string("online"))
        }
    }

    @Test func chargeStop_StopsPower_ThenReturnsNotCharging_WhenAlreadyStopped() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            #expect(f.current(v).power(f.current(v).actual) > 0)
            let first = try await command(f, v, token, "charge_stop")
            #expect(first.status == 200)
            #expect(result(first) == (true, ""))
            #expect(f.current(v).power(f.current(v).actual) == 0)
            let second = try await command(f, v, token, "charge_stop")
            #expect(second.status == 200)
            #expect(result(second) == (false, "not_charging"))
            _ = try await f.client.post("/_sim/faults", json: #"{"tesla_proxy_reasons": true}"#)
            let proxied = try await command(f, v, token, "charge_stop")
            #expect(result(proxied) == (false, "car could not execute command: not_charging"))
            #expect(proxied.json["error"] == .string(""))
            _ = try await f.client.post("/_sim/faults", json: "{}")
            let cs = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token)
            #expect(cs.json["response"]?["charge_state"]?["charging_state"] == .string("Stopped"))
            #expect(cs.json["response"]?["charge_state"]?["charger_power"] == .int(0))
        }
    }

    @Test func chargeStart_RefusesWithTheDocumentedReasons() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            #expect(result(try await command(f, v, token, "charge_start")) == (false, "is_charging"))
            _ = try await command(f, v, token, "charge_stop")
            #expect(result(try await command(f, v, token, "charge_start")) == (true, ""))
            _ = try await command(f, v, token, "charge_stop")
            try await f.prepare(v, #"{"soc": 80}"#)
            #expect(result(try await command(f, v, token, "charge_start")) == (false, "complete"))
            try await f.prepare(v, #"{"soc": 50, "evse_no_power": true}"#)
            #expect(result(try await command(f, v, token, "charge_start")) == (false, "no_power"))
            try await f.prepare(v, #"{"plugged_in": false}"#)
            #expect(result(try await command(f, v, token, "charge_start")) == (false, "disconnected"))
        }
    }

    @Test func setChargingAmps_ChangesPower_AndClampsToTheMaximum() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            let r = try await command(f, v, token, "set_charging_amps", #"{"charging_amps": 8}"#)
            #expect(result(r) == (true, ""))
            let now = f.current(v)
            #expect(now.power(now.actual) == Double(v.volts * 8 * v.phases) / 1000)
            _ = try await command(f, v, token, "set_charging_amps", #"{"charging_amps": 200}"#)
            #expect(f.current(v).actual.amps == v.maxAmps)
            let bad = try await command(f, v, token, "set_charging_amps", #"{"amps": 8}"#)
            #expect(bad.status == 400)
            #expect(bad.json["error"] == .string("invalid_field"))
        }
    }

    @Test func setChargeLimit_AlreadySet_AndOutOfRangeSucceedsWithoutEffect() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            #expect(
                result(try await command(f, v, token, "set_charge_limit", #"{"percent": 80}"#)) == (
                    false, "already_set"
                ))
            #expect(result(try await command(f, v, token, "set_charge_limit", #"{"percent": 30}"#)) == (true, ""))
            #expect(f.current(v).actual.chargeLimit == 80)
            #expect(result(try await command(f, v, token, "set_charge_limit", #"{"percent": 70.5}"#)) == (true, ""))
            #expect(f.current(v).actual.chargeLimit == 80)
            #expect(result(try await command(f, v, token, "set_charge_limit", #"{"percent": 70}"#)) == (true, ""))
            #expect(f.current(v).actual.chargeLimit == 70)
            #expect(result(try await command(f, v, token, "charge_max_range")) == (true, ""))
            #expect(f.current(v).actual.chargeLimit == 100)
            #expect(result(try await command(f, v, token, "charge_standard")) == (true, ""))
            #expect(f.current(v).actual.chargeLimit == 90)
            #expect(result(try await command(f, v, token, "charge_standard")) == (false, "already_started"))
        }
    }

    @Test func chargePortDoorAndSchedules_Work() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            #expect(result(try await command(f, v, token, "charge_port_door_close")) == (false, "cable connected"))
            #expect(result(try await command(f, v, token, "charge_port_door_open")) == (true, ""))
            try await f.prepare(v, #"{"plugged_in": false}"#)
            #expect(result(try await command(f, v, token, "charge_port_door_close")) == (true, ""))
            #expect(result(try await command(f, v, token, "charge_port_door_close")) == (false, "already closed"))
            let sched = try await command(f, v, token, "set_scheduled_charging", #"{"enable": true, "time": 1410}"#)
            #expect(result(sched) == (true, ""))
            let dep = try await command(
                f, v, token, "set_scheduled_departure",
                #"{"enable": true, "departure_time": 540, "preconditioning_enabled": false, "off_peak_charging_enabled": true, "end_off_peak_time": 450}"#
            )
            #expect(result(dep) == (true, ""))
            let cs = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token)
            #expect(cs.json["response"]?["charge_state"]?["scheduled_charging_mode"] == .string("StartAt"))
            #expect(cs.json["response"]?["charge_state"]?["off_peak_hours_end_time"] == .int(450))
            let notJSON = try await f.client.send(
                "POST", "/api/1/vehicles/\(v.vin)/command/charge_stop", token: token, json: "{}",
                headers: ["Content-Type": "text/plain"])
            #expect(notJSON.status == 406)
            let unknown = try await command(f, v, token, "honk_horn")
            #expect(unknown.status == 400)
            #expect(unknown.json["error"] == .string("invalid_command"))
        }
    }

    @Test func auth_Answers401And403And404AsTeslaDoes() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            let missing = try await f.client.get("/api/1/vehicles")
            #expect(missing.status == 401)
            #expect(missing.json["error"] == .string("invalid bearer token"))
            f.store.expireAccessToken(account: v.accountIndex, in: 0)
            let expired = try await f.client.get("/api/1/vehicles", token: token)
            #expect(expired.status == 401)
            #expect(expired.json["error"] == .string("token expired (401)"))
            let other = f.vehicle { $0.vendor == .tesla && $0.accountIndex != v.accountIndex }
            let otherToken = f.token(for: other)
            let notMine = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: otherToken)
            #expect(notMine.status == 404)
            _ = try await f.client.patch(
                "/_sim/accounts/\(f.account(of: other).id)", json: #"{"scopes": ["openid", "vehicle_device_data"]}"#)
            let noScope = try await command(f, other, otherToken, "charge_stop")
            #expect(noScope.status == 403)
            #expect(noScope.json["error"] == .string("Unauthorized missing scopes"))
            let smartcarToken = f.token(for: f.vehicle { $0.vendor == .smartcar })
            #expect(try await f.client.get("/api/1/vehicles", token: smartcarToken).status == 401)
        }
    }

    @Test func commands_Return429WithRetryAfter_OnTheThirtyFirstInAMinute() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            for _ in 0..<30 {
                #expect(try await command(f, v, token, "set_charging_amps", #"{"charging_amps": 16}"#).status == 200)
            }
            let limited = try await command(f, v, token, "set_charging_amps", #"{"charging_amps": 16}"#)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "60")
            #expect(limited.header("RateLimit-Limit") == "30")
            #expect(limited.text == "Retry in 60 seconds")
            // Data has its own window.
            #expect(try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token).status == 200)
            f.clock.advance(by: 45)
            #expect(try await command(f, v, token, "charge_stop").header("Retry-After") == "15")
            f.clock.advance(by: 15)
            #expect(try await command(f, v, token, "charge_stop").status == 200)
        }
    }

    @Test func wakesAndData_HaveTheirDocumentedLimits_ConfigurablePerAccount() async throws {
        try await SimFixture.run { f in
            let (v, token) = try await chargingTesla(f)
            for _ in 0..<3 {
                #expect(try await f.client.post("/api/1/vehicles/\(v.vin)/wake_up", token: token).status == 200)
            }
            #expect(try await f.client.post("/api/1/vehicles/\(v.vin)/wake_up", token: token).status == 429)
            for _ in 0..<60 { _ = try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token) }
            #expect(try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token).status == 429)
            let account = f.account(of: v).id
            let patched = try await f.client.patch(
                "/_sim/accounts/\(account)",
                json: #"{"limits": {"vehicle_data_per_minute": 1000, "vehicle_commands_per_minute": 2}}"#)
            #expect(patched.json["limits"]?["vehicle_data_per_minute"] == .int(1000))
            #expect(try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: token).status == 200)
            _ = try await command(f, v, token, "charge_stop")
            _ = try await command(f, v, token, "charge_start")
            #expect(try await command(f, v, token, "charge_stop").status == 429)
            _ = try await f.client.patch(
                "/_sim/accounts/\(account)", json: #"{"limits": {"account_requests_per_minute": 0}}"#)
            #expect(try await f.client.get("/api/1/vehicles", token: token).status == 429)
        }
    }

    @Test func tokenRefresh_RotatesTokens_AndHonoursTheGraceOfTheLastUsedToken() async throws {
        try await SimFixture.run { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let account = f.account(of: v)
            f.store.expireAccessToken(account: v.accountIndex, in: 0)
            #expect(try await f.client.get("/api/1/vehicles", token: account.accessToken).status == 401)
            let form = "grant_type=refresh_token&client_id=sim&refresh_token=\(account.refreshToken)"
            let r = try await f.client.send("POST", "/oauth2/v3/token", form: form)
            #expect(r.status == 200)
            let access = r.json["access_token"]?.stringValue ?? ""
            let refresh = r.json["refresh_token"]?.stringValue ?? ""
            #expect(r.json["expires_in"] == .int(28800))
            #expect(refresh.hasPrefix(account.region.uppercased() + "_") && refresh != account.refreshToken)
            #expect(try await f.client.get("/api/1/vehicles", token: access).status == 200)
            // The used token still works for 24 h (a client that failed to save the new one)...
            f.clock.advance(by: 3600)
            #expect(try await f.client.send("POST", "/oauth2/v3/token", form: form).status == 200)
            f.clock.advance(by: 86400)
            let late = try await f.client.send("POST", "/oauth2/v3/token", form: form)
            #expect(late.status == 401)
            #expect(late.json["error"] == .string("login_required"))
            // ...and the access token expires after 8 h.
            let fresh = try await f.client.send(
                "POST", "/oauth2/v3/token",
                form: "grant_type=authorization_code&client_id=sim&code=\(account.region.uppercased())_\(account.id)")
            #expect(fresh.status == 200)
            let token = fresh.json["access_token"]?.stringValue ?? ""
            f.clock.advance(by: 8 * 3600 + 1)
            #expect(
                try await f.client.get("/api/1/vehicles", token: token).json["error"] == .string("token expired (401)"))
        }
    }

    @Test func fleetStatusRegionAndStatus_Answer() async throws {
        try await SimFixture.run { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let token = f.token(for: v)
            #expect(try await f.client.get("/status").text == "ok")
            let region = try await f.client.get("/api/1/users/region", token: token)
            #expect(region.json["response"]?["region"] == .string(f.account(of: v).region))
            let status = try await f.client.post(
                "/api/1/vehicles/fleet_status", token: token, json: #"{"vins": ["\#(v.vin)"]}"#)
            #expect(status.json["response"]?["key_paired_vins"] == .array([.string(v.vin)]))
        }
    }
}
