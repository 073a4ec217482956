import Foundation
import Testing

@Suite struct VehicleTests {
    @Test func create_Returns201_409OnDuplicate_400And422NamingFields() async throws {
        try await FleetHarness.with { h in
            let created = try await h.request(
                "POST", "/v1/vehicles",
                json: ["vendor": "smartcar", "vendor_vehicle_id": "sc-1", "make": "Ford", "model": "Mach-E", "year": 2023, "voltage": 240,
                       "max_amps": 48, "battery_kwh": 91.0, "groups": ["east"], "programs": ["prog-1"]])
            #expect(created.status == 201, "\(created.text)")
            let vehicle = created.object
            #expect(vehicle["country"] as? String == "US" && vehicle["phases"] as? Int == 1 && vehicle["min_amps"] as? Int == 5)
            #expect(vehicle["groups"] as? [String] == ["east"] && vehicle["programs"] as? [String] == ["prog-1"])
            #expect(vehicle["electrical_source"] as? String == "operator")

            let duplicate = try await h.request("POST", "/v1/vehicles", json: ["vendor": "smartcar", "vendor_vehicle_id": "sc-1"])
            #expect(duplicate.status == 409)

            let wrongType = try await h.request("POST", "/v1/vehicles", json: ["vendor": "tesla", "vendor_vehicle_id": "t-1", "voltage": "high"])
            #expect(wrongType.status == 400)
            #expect(wrongType.pointers == ["/voltage"])

            let unknown = try await h.request("POST", "/v1/vehicles", json: ["vendor": "tesla", "vendor_vehicle_id": "t-1", "colour": "red"])
            #expect(unknown.status == 400)
            #expect(unknown.pointers == ["/colour"])

            let range = try await h.request(
                "POST", "/v1/vehicles", json: ["vendor": "tesla", "vendor_vehicle_id": "t-1", "min_amps": 40, "max_amps": 16, "phases": 4])
            #expect(range.status == 422)
            #expect(Set(range.pointers) == ["/max_amps", "/phases"])

            let account = try await h.request(
                "POST", "/v1/vehicles", json: ["vendor": "tesla", "vendor_vehicle_id": "t-1", "account_id": UUID().uuidString])
            #expect(account.status == 422)
            #expect(account.pointers == ["/account_id"])

            #expect(try await h.request("POST", "/v1/vehicles", body: "[1,2]").status == 400)
            #expect(try await h.count("vehicles") == 1)
        }
    }

    @Test func list_FiltersAndPaginates() async throws {
        try await FleetHarness.with { h in
            let a = try await h.createVehicle(["vendor": "tesla", "groups": ["west"], "programs": ["p1"]])
            let b = try await h.createVehicle(["vendor": "smartcar", "groups": ["west", "east"]])
            let c = try await h.createVehicle(["vendor": "tesla", "groups": ["east"], "programs": ["p2"]])
            func ids(_ query: String) async throws -> [String] {
                let response = try await h.get("/v1/vehicles\(query)")
                #expect(response.status == 200, "\(query): \(response.text)")
                return response.array.compactMap { $0["id"] as? String }
            }
            #expect(try await ids("") == [a, b, c])
            #expect(try await ids("?group=west") == [a, b])
            #expect(try await ids("?vendor=tesla") == [a, c])
            #expect(try await ids("?program=p2") == [c])
            #expect(try await ids("?group=east&vendor=tesla") == [c])
            #expect(try await ids("?skip=1&limit=1") == [b])
            #expect(try await ids("?limit=0") == [])
            #expect(try await ids("?state=needs_reconsent") == [])
            #expect(try await h.request("DELETE", "/v1/vehicles/\(b)").status == 204)
            #expect(try await ids("") == [a, c])
            #expect(try await ids("?state=removed") == [b])
            for bad in ["?limit=501", "?skip=-1", "?limit=x", "?vendor=ford", "?state=asleep", "?group=no%20spaces", "?account_id=12"] {
                let response = try await h.get("/v1/vehicles\(bad)")
                #expect(response.status == 400, "\(bad)")
                #expect(response.header("Content-Type") == "application/problem+json")
            }
        }
    }

    @Test func get_Patch_Delete() async throws {
        try await FleetHarness.with { h in
            let id = try await h.createVehicle(["make": "Tesla"])
            #expect(try await h.get("/v1/vehicles/\(id)").object["electrical_source"] as? String == "assumed")
            // A PATCH that states no electrical fact leaves the facts unconfirmed.
            let renamed = try await h.request("PATCH", "/v1/vehicles/\(id)", json: ["model": "Model 3"])
            #expect(renamed.status == 200 && renamed.object["electrical_source"] as? String == "assumed")
            #expect(try await h.get("/v1/vehicles/\(UUID())").status == 404)
            #expect(try await h.get("/v1/vehicles/nope").status == 404)

            let patched = try await h.request("PATCH", "/v1/vehicles/\(id)", json: ["max_amps": 48, "phases": 3, "voltage": 400, "country": "DE", "groups": ["b", "a"]])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.object["max_amps"] as? Int == 48 && patched.object["phases"] as? Int == 3 && patched.object["make"] as? String == "Tesla")
            #expect(patched.object["groups"] as? [String] == ["a", "b"])
            #expect(patched.object["electrical_source"] as? String == "operator")

            let before = try await h.get("/v1/vehicles/\(id)").text
            let failures: [(Any, Int, [String])] = [
                (["min_amps": 60], 422, ["/min_amps"]),
                (["max_amps": 2, "min_amps": 5], 422, ["/max_amps"]),
                (["voltage": 5000], 422, ["/voltage"]),
                (["country": "usa"], 422, ["/country"]),
                (["voltage": "240"], 400, ["/voltage"]),
                (["wheels": 4], 400, ["/wheels"]),
            ]
            for (body, status, pointers) in failures {
                let json = body as? [String: Any] ?? [:]
                let response = try await h.request("PATCH", "/v1/vehicles/\(id)", json: json)
                #expect(response.status == status, "\(json): \(response.text)")
                #expect(response.pointers == pointers, "\(json)")
            }
            let nullVoltage = try await h.request("PATCH", "/v1/vehicles/\(id)", body: #"{"voltage": null}"#)
            #expect(nullVoltage.status == 400 && nullVoltage.pointers == ["/voltage"])
            #expect(try await h.request("PATCH", "/v1/vehicles/\(id)", body: "{").status == 400)
            #expect(try await h.get("/v1/vehicles/\(id)").text == before)
            #expect(try await h.request("PATCH", "/v1/vehicles/\(UUID())", json: ["max_amps": 16]).status == 404)

            #expect(try await h.request("DELETE", "/v1/vehicles/\(id)").status == 204)
            #expect(try await h.get("/v1/vehicles/\(id)").object["status"] as? String == "removed")
            #expect(try await h.request("DELETE", "/v1/vehicles/\(id)").status == 404)
            #expect(try await h.request("PATCH", "/v1/vehicles/\(id)", json: ["max_amps": 16]).status == 404)
        }
    }

    @Test func preferences_Put() async throws {
        try await FleetHarness.with { h in
            let id = try await h.createVehicle([:])
            let put = try await h.request(
                "PUT", "/v1/vehicles/\(id)/preferences", json: ["min_soc": 40, "departure_time": "07:30", "departure_days": [5, 1, 2]])
            #expect(put.status == 200, "\(put.text)")
            #expect(put.object["min_soc"] as? Int == 40 && put.object["departure_time"] as? String == "07:30")
            #expect(put.object["departure_days"] as? [Int] == [1, 2, 5])
            let prefs = try await h.get("/v1/vehicles/\(id)").object["preferences"] as? [String: Any]
            #expect(prefs?["min_soc"] as? Int == 40)

            for (json, pointer, status) in [
                (["min_soc": 101] as [String: Any], "/min_soc", 422), (["min_soc": -1], "/min_soc", 422),
                (["departure_time": "25:00"], "/departure_time", 422), (["departure_time": "7:30"], "/departure_time", 422),
                (["departure_time": "07:30", "departure_days": [0]], "/departure_days/0", 422),
                (["min_soc": "forty"], "/min_soc", 400), (["minimum": 3], "/minimum", 400),
            ] {
                let response = try await h.request("PUT", "/v1/vehicles/\(id)/preferences", json: json)
                #expect(response.status == status, "\(json)")
                #expect(response.pointers == [pointer], "\(json): \(response.text)")
            }
            #expect(try await h.count("driver_preferences", where: "min_soc = 40") == 1)
            #expect(try await h.request("PUT", "/v1/vehicles/\(UUID())/preferences", json: ["min_soc": 20]).status == 404)
        }
    }

    @Test func groups_MembershipAndCounts() async throws {
        try await FleetHarness.with { h in
            let a = try await h.createVehicle(["groups": ["west"]])
            let b = try await h.createVehicle([:])
            #expect(try await h.request("PUT", "/v1/groups/west/vehicles/\(b)").status == 201)
            #expect(try await h.request("PUT", "/v1/groups/west/vehicles/\(b)").status == 200)
            #expect(try await h.request("PUT", "/v1/groups/east/vehicles/\(a)").status == 201)
            #expect(try await h.request("PUT", "/v1/groups/east/vehicles/\(UUID())").status == 404)
            #expect(try await h.request("PUT", "/v1/groups/bad%20name/vehicles/\(a)").status == 400)
            let groups = try await h.get("/v1/groups").array
            #expect(groups.map { $0["name"] as? String } == ["east", "west"])
            #expect(groups.map { $0["vehicle_count"] as? Int } == [1, 2])
            #expect(try await h.get("/v1/groups?limit=1&skip=1").array.map { $0["name"] as? String } == ["west"])
            #expect(try await h.request("DELETE", "/v1/groups/west/vehicles/\(a)").status == 204)
            #expect(try await h.request("DELETE", "/v1/groups/west/vehicles/\(a)").status == 404)
            #expect(try await h.get("/v1/vehicles?group=west").array.map { $0["id"] as? String } == [b])
        }
    }

    @Test func optOuts_Operator() async throws {
        try await FleetHarness.with { h in
            let id = try await h.createVehicle([:])
            let event = try await h.request("POST", "/v1/vehicles/\(id)/opt-outs", json: ["event_id": "evt-1"])
            #expect(event.status == 201)
            #expect(event.object["source"] as? String == "operator" && event.object["event_id"] as? String == "evt-1")
            #expect(try await h.request("POST", "/v1/vehicles/\(id)/opt-outs", json: ["event_id": "evt-1"]).status == 409)
            let until = try await h.request("POST", "/v1/vehicles/\(id)/opt-outs", json: ["until": FleetHarness.futureDate(86_400)])
            #expect(until.status == 201)
            let past = try await h.request("POST", "/v1/vehicles/\(id)/opt-outs", json: ["until": FleetHarness.futureDate(-60)])
            #expect(past.status == 422 && past.pointers == ["/until"])
            let badDate = try await h.request("POST", "/v1/vehicles/\(id)/opt-outs", json: ["until": "tomorrow"])
            #expect(badDate.status == 400 && badDate.pointers == ["/until"])
            #expect(try await h.request("POST", "/v1/vehicles/\(UUID())/opt-outs", json: ["event_id": "e"]).status == 404)
            let list = try await h.get("/v1/vehicles/\(id)/opt-outs")
            #expect(list.array.count == 2)
            #expect(try await h.count("opt_outs") == 2)
        }
    }

    @Test func driverLink_OptsOutOneVehicle_AndOpensNothingElse() async throws {
        try await FleetHarness.with { h in
            let id = try await h.createVehicle([:])
            let other = try await h.createVehicle([:])
            let link = try await h.request("POST", "/v1/vehicles/\(id)/opt-out-link")
            #expect(link.status == 201, "\(link.text)")
            let token = try #require(link.object["token"] as? String)
            TestLog.remember(token)
            #expect((link.object["path"] as? String)?.hasSuffix(token) == true)

            let viaHeader = try await h.request("POST", "/v1/driver/opt-out", token: token)
            #expect(viaHeader.status == 201, "\(viaHeader.text)")
            #expect(viaHeader.object["vehicle_id"] as? String == id && viaHeader.object["source"] as? String == "driver")
            let viaQuery = try await h.request(
                "POST", "/v1/driver/opt-out?token=\(token)", json: ["until": FleetHarness.futureDate(3600)], token: "")
            #expect(viaQuery.status == 201)
            let bad = try await h.request("POST", "/v1/driver/opt-out", json: ["until": FleetHarness.futureDate(-1)], token: token)
            #expect(bad.status == 422)

            let none = try await h.request("POST", "/v1/driver/opt-out", token: "")
            #expect(none.status == 401 && none.header("WWW-Authenticate") != nil)
            let wrong = try await h.request("POST", "/v1/driver/opt-out", token: "not-a-link-token")
            #expect(wrong.status == 401 && (wrong.header("WWW-Authenticate") ?? "").contains("invalid_token"))
            // The operator's token is not a link token, and the link token is not an operator token.
            #expect(try await h.request("POST", "/v1/driver/opt-out", token: h.operatorToken).status == 401)
            #expect(try await h.get("/v1/vehicles/\(id)", token: token).status == 401)
            #expect(try await h.request("POST", "/v1/vehicles/\(other)/opt-outs", json: ["event_id": "e"], token: token).status == 401)
            #expect(try await h.count("opt_outs", where: "vehicle_id = '\(other)'") == 0)
            #expect(try await h.count("opt_outs", where: "vehicle_id = '\(id)' AND source = 'driver'") == 2)
            #expect(!(try await h.dump("opt_out_links")).contains(token))

            #expect(try await h.request("POST", "/v1/vehicles/\(UUID())/opt-out-link").status == 404)
            let tooLong = try await h.request("POST", "/v1/vehicles/\(id)/opt-out-link", json: ["expires_at": FleetHarness.futureDate(400 * 86_400)])
            #expect(tooLong.status == 422)
            // Removing the vehicle kills its link.
            #expect(try await h.request("DELETE", "/v1/vehicles/\(id)").status == 204)
            #expect(try await h.request("POST", "/v1/driver/opt-out", token: token).status == 401)
        }
    }
}
