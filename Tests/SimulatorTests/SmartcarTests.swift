import Foundation
import Testing

@testable import Simulator

@Suite struct SmartcarTests {
    /// A Smartcar vehicle of `make`, awake, plugged in, not charging, at `soc` %, limit 90, no schedule.
    func vehicle(_ f: SimFixture, _ make: Make, soc: Int = 60) async throws -> (Vehicle, String) {
        let v = f.vehicle { $0.vendor == .smartcar && $0.make == make }
        try await f.prepare(
            v,
            #"{"plugged_in": true, "asleep": false, "soc": \#(soc), "charging": false, "schedule_enabled": false, "os_version": 8}"#
        )
        f.store.withVehicle(v.index, sleepAfter: nil) { v, now in
            v.actual.chargeLimit = 90
            ChargingPhysics.settle(&v, at: now)
        }
        _ = try await f.client.patch(
            "/_sim/accounts/\(f.account(of: v).id)", json: #"{"limits": {"vehicle_requests_per_hour": null}}"#)
        return (v, f.token(for: v))
    }

    func charge(_ f: SimFixture, _ v: Vehicle, _ token: String, _ action: String) async throws -> Reply {
        try await f.client.post("/v2.0/vehicles/\(v.vendorID)/charge", token: token, json: #"{"action": "\#(action)"}"#)
    }

    func code(_ r: Reply) -> String? { r.json["code"]?.stringValue }

    @Test func listAndReads_ReturnTheDocumentedBodiesAndHeaders() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let (v, token) = try await vehicle(f, .ford)
            let list = try await f.client.get("/v2.0/vehicles?limit=1&offset=0", token: token)
            #expect(list.status == 200)
            #expect(
                list.json["vehicles"]?.arrayValue?.first
                    == .string(
                        f.store.withVehicle(f.account(of: v).vehicleIndices[0], sleepAfter: nil) { v, _ in v.vendorID })
            )
            #expect(list.json["paging"]?["count"] == .int(f.account(of: v).vehicleIndices.count))
            #expect(list.header("SC-Request-Id")?.count == 36)
            #expect(try await f.client.get("/v2.0/vehicles?limit=51", token: token).status == 400)
            let attributes = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/", token: token)
            #expect(attributes.json["make"] == .string("FORD"))
            let charge = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge", token: token)
            #expect(charge.json == .object([("isPluggedIn", .bool(true)), ("state", .string("NOT_CHARGING"))]))
            #expect(charge.header("SC-Data-Age") != nil && charge.header("SC-Unit-System") == "metric")
            let battery = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/battery", token: token)
            #expect(battery.json["percentRemaining"] == .double(0.6))
            let imperial = try await f.client.get(
                "/v2.0/vehicles/\(v.vendorID)/battery", token: token, headers: ["SC-Unit-System": "imperial"])
            #expect(imperial.header("SC-Unit-System") == "imperial")
            #expect((imperial.json["range"]?.doubleValue ?? 0) < (battery.json["range"]?.doubleValue ?? 0))
            let limit = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge/limit", token: token)
            #expect(limit.json["limit"] == .double(0.9))
            #expect(
                try await f.client.get("/v2.0/vehicles/\(v.vendorID)/battery/capacity", token: token).json["capacity"]
                    == .double(v.capacityKWh))
            #expect(
                try await f.client.get("/v2.0/vehicles/\(v.vendorID)/vin", token: token).json["vin"] == .string(v.vin))
            #expect(try await f.client.get("/v2.0/user", token: token).json["id"] == .string(f.account(of: v).userID))
            let permissions = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/permissions", token: token)
            #expect(permissions.json["permissions"]?.arrayValue?.contains(.string("control_charge")) == true)
        }
    }

    @Test func startStop_ChangePower_AndAnswerTheDocumentedStateErrors() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let (v, token) = try await vehicle(f, .volkswagen)
            let stopped = try await charge(f, v, token, "STOP")
            #expect(stopped.status == 409)
            #expect(code(stopped) == "NOT_CHARGING")
            #expect(stopped.json["type"] == .string("VEHICLE_STATE"))
            #expect(stopped.json["statusCode"] == .int(409))
            #expect(stopped.json["requestId"]?.stringValue == stopped.header("SC-Request-Id"))
            let started = try await charge(f, v, token, "START")
            #expect(
                started.json
                    == .object([
                        ("message", .string("Successfully sent request to vehicle")), ("status", .string("success")),
                    ]))
            #expect(f.current(v).power(f.current(v).actual) > 0)
            #expect(code(try await charge(f, v, token, "START")) == "CHARGING_IN_PROGRESS")
            #expect(try await charge(f, v, token, "STOP").status == 200)
            #expect(f.current(v).power(f.current(v).actual) == 0)
            try await f.prepare(v, #"{"soc": 90}"#)
            #expect(code(try await charge(f, v, token, "START")) == "FULLY_CHARGED")
            #expect(
                try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge", token: token).json["state"]
                    == .string("FULLY_CHARGED"))
            try await f.prepare(v, #"{"plugged_in": false}"#)
            let unplugged = try await charge(f, v, token, "START")
            #expect(code(unplugged) == "CHARGING_PLUG_NOT_CONNECTED")
            // Volkswagen needs the plug for the charge limit too.
            #expect(
                code(try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge/limit", token: token))
                    == "CHARGING_PLUG_NOT_CONNECTED")
            let bad = try await charge(f, v, token, "PAUSE")
            #expect(bad.status == 400)
            #expect(bad.json["type"] == .string("VALIDATION"))
        }
    }

    @Test func chargeLimit_AcceptsHalfToOne_AndValidates() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let (v, token) = try await vehicle(f, .chevrolet)
            let ok = try await f.client.post(
                "/v2.0/vehicles/\(v.vendorID)/charge/limit", token: token, json: #"{"limit": 0.7}"#)
            #expect(ok.status == 200)
            #expect(f.current(v).actual.chargeLimit == 70)
            for bad in [#"{"limit": 0.4}"#, #"{"limit": 1.2}"#, #"{"limit": "0.7"}"#, "{}"] {
                let r = try await f.client.post("/v2.0/vehicles/\(v.vendorID)/charge/limit", token: token, json: bad)
                #expect(r.status == 400)
                #expect(r.json["type"] == .string("VALIDATION"))
                #expect(r.json["detail"]?.arrayValue?.isEmpty == false)
            }
        }
    }

    @Test func makeQuirks_NissanGMFordBMW() async throws {
        try await SimFixture.run(vehicles: 120) { f in
            let (nissan, nToken) = try await vehicle(f, .nissan)
            if nissan.market == "US" {
                #expect(try await charge(f, nissan, nToken, "START").status == 200)
                let stop = try await charge(f, nissan, nToken, "STOP")
                #expect(stop.status == 501)
                #expect(stop.json["type"] == .string("COMPATIBILITY") && code(stop) == "VEHICLE_NOT_CAPABLE")
            }
            let (gm, gToken) = try await vehicle(f, .chevrolet, soc: 40)
            let low = try await charge(f, gm, gToken, "START")
            #expect(low.status == 409 && code(low) == "LOW_BATTERY")
            try await f.prepare(gm, #"{"soc": 55}"#)
            #expect(try await charge(f, gm, gToken, "START").status == 200)
            let (ford, fToken) = try await vehicle(f, .ford)
            try await f.prepare(ford, #"{"schedule_enabled": true}"#)
            #expect(try await charge(f, ford, fToken, "START").status == 200)
            #expect(
                try await f.client.get("/v2.0/vehicles/\(ford.vendorID)/charge/limit", token: fToken).json["limit"]
                    == .double(1.0))
            let (bmw, bToken) = try await vehicle(f, .bmw)
            try await f.prepare(bmw, #"{"os_version": 7}"#)
            #expect(code(try await charge(f, bmw, bToken, "START")) == "VEHICLE_NOT_CAPABLE")
            #expect(
                try await f.client.post(
                    "/v2.0/vehicles/\(bmw.vendorID)/charge/limit", token: bToken, json: #"{"limit": 0.8}"#
                ).status == 501)
            try await f.prepare(bmw, #"{"os_version": 8}"#)
            #expect(try await charge(f, bmw, bToken, "START").status == 200)
        }
    }

    @Test func chargePortDoorAndAmmeter_AreTeslaOnly() async throws {
        try await SimFixture.run(vehicles: 120) { f in
            let (tesla, token) = try await vehicle(f, .tesla)
            let open = try await f.client.post(
                "/v2.0/vehicles/\(tesla.vendorID)/tesla/charge/charge_port_door", token: token,
                json: #"{"action": "OPEN"}"#)
            #expect(open.status == 200)
            let amps = try await f.client.post(
                "/v2.0/vehicles/\(tesla.vendorID)/tesla/charge/ammeter", token: token, json: #"{"amperage": 999}"#)
            #expect(amps.json["message"] == .string("Successfully sent the following amperage: \(tesla.maxAmps)"))
            let ammeter = try await f.client.get("/v2.0/vehicles/\(tesla.vendorID)/tesla/charge/ammeter", token: token)
            #expect(ammeter.status == 200 && ammeter.json["amperage"] != nil)
            let (ford, fToken) = try await vehicle(f, .ford)
            let door = try await f.client.post(
                "/v2.0/vehicles/\(ford.vendorID)/ford/charge/charge_port_door", token: fToken,
                json: #"{"action": "OPEN"}"#)
            #expect(door.status == 501 && code(door) == "MAKE_NOT_COMPATIBLE")
            let wrong = try await f.client.post(
                "/v2.0/vehicles/\(ford.vendorID)/bmw/charge/charge_port_door", token: fToken,
                json: #"{"action": "OPEN"}"#)
            #expect(wrong.status == 404)
            let unknown = try await f.client.get("/v2.0/vehicles/\(ford.vendorID)/engine/oil", token: fToken)
            #expect(
                unknown.status == 404 && unknown.json["type"] == .string("RESOURCE_NOT_FOUND")
                    && code(unknown) == "PATH")
        }
    }

    @Test func authPermissionSleepAndReachability_AnswerTheDocumentedErrors() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let (v, token) = try await vehicle(f, .ford)
            let missing = try await f.client.get("/v2.0/vehicles")
            #expect(
                missing.status == 401 && missing.json["type"] == .string("AUTHENTICATION")
                    && missing.json["code"] == .null)
            f.store.expireAccessToken(account: v.accountIndex, in: 0)
            #expect(try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge", token: token).status == 401)
            f.store.expireAccessToken(account: v.accountIndex, in: 3600)
            _ = try await f.client.patch(
                "/_sim/accounts/\(f.account(of: v).id)", json: #"{"scopes": ["read_vehicle_info"]}"#)
            let denied = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge", token: token)
            #expect(denied.status == 403 && denied.json["type"] == .string("PERMISSION"))
            _ = try await f.client.patch(
                "/_sim/accounts/\(f.account(of: v).id)", json: #"{"scopes": ["read_charge", "control_charge"]}"#)
            try await f.prepare(v, #"{"asleep": true}"#)
            #expect(code(try await f.client.get("/v2.0/vehicles/\(v.vendorID)/charge", token: token)) == "ASLEEP")
            try await f.prepare(v, #"{"asleep": false, "unreachable": true}"#)
            #expect(code(try await charge(f, v, token, "START")) == "UNREACHABLE")
            let gone = try await f.client.send("DELETE", "/v2.0/vehicles/\(v.vendorID)/application", token: token)
            #expect(gone.json["status"] == .string("success"))
            #expect(try await f.client.get("/v2.0/vehicles", token: token).status == 401)
        }
    }

    @Test func rateLimits_VehicleAndApp_Return429WithRetryAfter() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let v = f.vehicle { $0.vendor == .smartcar }
            let token = f.token(for: v)
            for _ in 0..<20 {
                #expect(try await f.client.get("/v2.0/vehicles/\(v.vendorID)/battery", token: token).status == 200)
            }
            let limited = try await f.client.get("/v2.0/vehicles/\(v.vendorID)/battery", token: token)
            #expect(limited.status == 429 && code(limited) == "VEHICLE")
            #expect(limited.header("Retry-After") == "3600")
            f.clock.advance(by: 3600)
            #expect(try await f.client.get("/v2.0/vehicles/\(v.vendorID)/battery", token: token).status == 200)
            let account = f.account(of: v).id
            _ = try await f.client.patch(
                "/_sim/accounts/\(account)",
                json: #"{"limits": {"app_bucket_capacity": 2, "app_bucket_refill_per_minute": 2}}"#)
            for _ in 0..<2 { #expect(try await f.client.get("/v2.0/vehicles", token: token).status == 200) }
            let app = try await f.client.get("/v2.0/vehicles", token: token)
            #expect(app.status == 429 && code(app) == "SMARTCAR_API")
            #expect(app.header("Retry-After") == "30")
            f.clock.advance(by: 30)
            #expect(try await f.client.get("/v2.0/vehicles", token: token).status == 200)
        }
    }

    @Test func batch_RunsEachPath_AndCountsEachAgainstTheVehicleLimit() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let (v, token) = try await vehicle(f, .ford)
            _ = try await f.client.patch(
                "/_sim/accounts/\(f.account(of: v).id)", json: #"{"limits": {"vehicle_requests_per_hour": 2}}"#)
            let r = try await f.client.post(
                "/v2.0/vehicles/\(v.vendorID)/batch", token: token,
                json: #"{"requests": [{"path": "/charge"}, {"path": "/battery"}, {"path": "/charge/limit"}]}"#)
            #expect(r.status == 200)
            let responses = r.json["responses"]?.arrayValue ?? []
            #expect(responses.map { $0["code"] } == [.int(200), .int(200), .int(429)])
            #expect(responses[0]["body"]?["isPluggedIn"] == .bool(true))
            #expect(responses[2]["headers"]?["Retry-After"] != nil)
            #expect(responses[2]["body"]?["code"] == .string("VEHICLE"))
        }
    }

    @Test func tokenRefresh_RotatesBothTokens_AndRetiresTheOldRefreshAfterAMinute() async throws {
        try await SimFixture.run(vehicles: 80) { f in
            let v = f.vehicle { $0.vendor == .smartcar }
            let account = f.account(of: v)
            let form = "grant_type=refresh_token&refresh_token=\(account.refreshToken)"
            let noClient = try await f.client.send("POST", "/oauth/token", form: form)
            #expect(noClient.status == 401)
            let basic = ["Authorization": "Basic " + Data("sim:secret".utf8).base64EncodedString()]
            let r = try await f.client.send("POST", "/oauth/token", form: form, headers: basic)
            #expect(r.status == 200)
            #expect(r.json["expires_in"] == .int(7200))
            let access = r.json["access_token"]?.stringValue ?? ""
            #expect(access != account.accessToken)
            // Old access tokens stay valid until their own expiry.
            #expect(try await f.client.get("/v2.0/vehicles", token: account.accessToken).status == 200)
            #expect(try await f.client.get("/v2.0/vehicles", token: access).status == 200)
            f.clock.advance(by: 61)
            let reused = try await f.client.send("POST", "/oauth/token", form: form, headers: basic)
            #expect(reused.status == 400)
            #expect(reused.json["error"] == .string("invalid_grant"))
            f.clock.advance(by: 7200)
            #expect(try await f.client.get("/v2.0/vehicles", token: access).status == 401)
        }
    }
}
