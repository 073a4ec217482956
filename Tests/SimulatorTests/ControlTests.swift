import Foundation
import Testing

@testable import Simulator

@Suite struct ControlTests {
    @Test func vehicles_ExposeTheContractFields() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let r = try await f.client.get("/_sim/vehicles")
            let list = r.json.arrayValue ?? []
            #expect(list.count == 30)
            for field in [
                "id", "vendor", "make", "account_id", "plugged_in", "charging", "power_kw", "amps", "max_amps",
                "charge_limit", "soc", "asleep",
            ] {
                #expect(list.allSatisfy { $0[field] != nil }, "missing \(field)")
            }
            let tesla = try await f.client.get("/_sim/vehicles?vendor=tesla")
            #expect(
                tesla.json.arrayValue?.allSatisfy {
                    $0["vendor"] == .string("tesla") && $0["id"]?.stringValue?.count == 17
                } == true)
            let accounts = try await f.client.get("/_sim/accounts")
            for field in ["id", "vendor", "access_token", "refresh_token", "expires_at"] {
                #expect(accounts.json.arrayValue?.allSatisfy { $0[field] != nil } == true, "missing \(field)")
            }
        }
    }

    @Test func stoppingAVehicle_ShowsInTruth_AsCurtailedEnergy() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            try await f.prepare(v, #"{"plugged_in": true, "asleep": false, "soc": 20, "charging": true}"#)
            let start = f.store.simNow()
            let kW = f.current(v).power(f.current(v).actual)
            let stop = try await f.client.post("/api/1/vehicles/\(v.vin)/command/charge_stop", token: f.token(for: v))
            #expect(stop.json["response"]?["result"] == .bool(true))
            f.clock.advance(by: 1800)
            let truth = try await f.client.get("/_sim/truth?from=\(start)")
            let row = truth.json["vehicles"]?.arrayValue?.first { $0["id"] == .string(v.vin) }
            #expect(row?["actual_kwh"] == .double(0))
            #expect(abs((row?["counterfactual_kwh"]?.doubleValue ?? 0) - kW / 2) < 1e-3)
            #expect((truth.json["curtailed_kwh"]?.doubleValue ?? 0) >= kW / 2 - 1e-3)
        }
    }

    @Test func faults_InjectErrorsDropsLatencyAndBursts() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let token = f.token(for: v)
            let set = try await f.client.post(
                "/_sim/faults", json: #"{"vendor": "tesla", "error_rates": {"503": 1.0}}"#)
            #expect(set.status == 200)
            let failed = try await f.client.get("/api/1/vehicles", token: token)
            #expect(failed.status == 503)
            #expect(failed.json["response"] == .null && failed.json["error"] != nil)
            let sc = f.vehicle { $0.vendor == .smartcar }
            #expect(try await f.client.get("/v2.0/vehicles", token: f.token(for: sc)).status == 200)
            _ = try await f.client.post("/_sim/faults", json: #"{"error_rates": {"502": 1.0}}"#)
            let upstream = try await f.client.get("/v2.0/vehicles", token: f.token(for: sc))
            #expect(upstream.status == 502 && upstream.json["type"] == .string("UPSTREAM"))

            _ = try await f.client.post("/_sim/faults", json: #"{"drop_rate": 1.0}"#)
            await #expect(throws: (any Error).self) { _ = try await f.client.get("/api/1/vehicles", token: token) }

            _ = try await f.client.post("/_sim/faults", json: #"{"latency": "300ms±50ms"}"#)
            let began = ContinuousClock.now
            #expect(try await f.client.get("/api/1/vehicles", token: token).status == 200)
            #expect(ContinuousClock.now - began >= .milliseconds(240))

            _ = try await f.client.post("/_sim/faults", json: #"{"timeout_rate": 1.0, "timeout_seconds": 30}"#)
            await #expect(throws: (any Error).self) {
                _ = try await f.client.send("GET", "/api/1/vehicles", token: token, timeout: 1)
            }

            _ = try await f.client.post("/_sim/faults", json: #"{"rate_limit_burst": {"seconds": 20}}"#)
            let burst = try await f.client.get("/api/1/vehicles", token: token)
            #expect(burst.status == 429 && burst.header("Retry-After") == "20")
            f.clock.advance(by: 21)
            #expect(try await f.client.get("/api/1/vehicles", token: token).status == 200)

            let invalid = try await f.client.post("/_sim/faults", json: #"{"error_rates": {"700": 2}}"#)
            #expect(invalid.status == 422)
            #expect(invalid.header("Content-Type") == "application/problem+json")
        }
    }

    @Test func outage_DropsVendorAndTokenRequests_UntilItEnds_WhileControlStaysUp() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let sc = f.vehicle { $0.vendor == .smartcar }
            let down = try await f.client.post("/_sim/faults", json: #"{"outage_seconds": 120}"#)
            #expect(down.status == 200)
            await #expect(throws: (any Error).self) { _ = try await f.client.get("/api/1/vehicles", token: f.token(for: v)) }
            await #expect(throws: (any Error).self) { _ = try await f.client.get("/v2.0/vehicles", token: f.token(for: sc)) }
            await #expect(throws: (any Error).self) { _ = try await f.client.post("/oauth2/v3/token") }
            await #expect(throws: (any Error).self) { _ = try await f.client.post("/oauth/token") }
            #expect(try await f.client.get("/_sim/vehicles/\(v.vendorID)").status == 200)
            #expect(try await f.client.get("/_sim/faults").json["outage_until"] != .null)
            f.clock.advance(by: 121)
            #expect(try await f.client.get("/api/1/vehicles", token: f.token(for: v)).status == 200)
            #expect(try await f.client.get("/v2.0/vehicles", token: f.token(for: sc)).status == 200)
            #expect(try await f.client.post("/oauth2/v3/token").status == 400)
            #expect(try await f.client.post("/_sim/faults", json: #"{"outage_seconds": "long"}"#).status == 422)
        }
    }

    @Test func faults_PutVehiclesToSleepAndOutOfReach() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            let sc = f.vehicle { $0.vendor == .smartcar }
            _ = try await f.client.post(
                "/_sim/faults",
                json:
                    #"{"sleep_vehicles": ["\#(v.vin)"], "unreachable_vehicles": ["\#(sc.vendorID)"], "wake_delay_seconds": 5}"#
            )
            #expect(
                try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: f.token(for: v)).status == 408)
            let unreachable = try await f.client.get("/v2.0/vehicles/\(sc.vendorID)/charge", token: f.token(for: sc))
            #expect(unreachable.status == 409 && unreachable.json["code"] == .string("UNREACHABLE"))
            _ = try await f.client.post("/api/1/vehicles/\(v.vin)/wake_up", token: f.token(for: v))
            f.clock.advance(by: 5)
            #expect(
                try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: f.token(for: v)).status == 200)
        }
    }

    @Test func idleTeslas_FallAsleep_WhenConfigured() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let v = f.vehicle { $0.vendor == .tesla }
            try await f.prepare(v, #"{"asleep": false, "charging": false}"#)
            _ = try await f.client.post("/_sim/faults", json: #"{"fall_asleep_after_seconds": 600}"#)
            f.clock.advance(by: 601)
            #expect(
                try await f.client.get("/api/1/vehicles/\(v.vin)/vehicle_data", token: f.token(for: v)).status == 408)
        }
    }

    @Test func reset_RestoresTheSeededFleet() async throws {
        try await SimFixture.run(vehicles: 30) { f in
            let before = try await f.client.get("/_sim/vehicles").json
            let v = f.vehicle { $0.vendor == .tesla }
            try await f.prepare(v, #"{"soc": 99, "plugged_in": false}"#)
            _ = try await f.client.post("/_sim/faults", json: #"{"error_rates": {"500": 1}}"#)
            #expect(try await f.client.post("/_sim/reset").status == 200)
            let after = try await f.client.get("/_sim/vehicles").json
            #expect(before == after)
            #expect(f.simulator.faults.errorRates.isEmpty)
        }
    }
}
