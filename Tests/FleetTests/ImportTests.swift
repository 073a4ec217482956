import Foundation
import Testing

@Suite struct ImportTests {
    static let header = "vendor,vendor_vehicle_id,make,model,year,voltage,phases,min_amps,max_amps,battery_kwh,groups,programs\n"

    @Test func csv_ImportsAllRows_WithGroupsAndPrograms() async throws {
        try await FleetHarness.with { h in
            let csv = Self.header + #"""
                tesla,VIN0001,Tesla,Model 3,2021,240,1,5,32,75,west;pilot,p1
                smartcar,sc-0002,"Ford, Inc.","F-150 ""Lightning""",2023,240,1,6,48,131,west,
                tesla,VIN0003,Tesla,,,230,3,6,16,,east,p1|p2\#r

                """#
            let response = try await h.request("POST", "/v1/vehicles/import", body: csv, contentType: "text/csv")
            #expect(response.status == 201, "\(response.text)")
            #expect(response.object["imported"] as? Int == 3)
            #expect(response.object["group_memberships"] as? Int == 4)
            #expect(response.object["program_enrollments"] as? Int == 3)
            let ford = try await h.get("/v1/vehicles?vendor=smartcar").array.first
            #expect(ford?["make"] as? String == "Ford, Inc." && ford?["model"] as? String == "F-150 \"Lightning\"")
            #expect(try await h.get("/v1/vehicles?group=west").array.count == 2)
            #expect(try await h.get("/v1/vehicles?program=p2").array.map { $0["vendor_vehicle_id"] as? String } == ["VIN0003"])
            let three = try await h.get("/v1/vehicles?group=east").array.first
            #expect(three?["phases"] as? Int == 3 && three?["voltage"] as? Int == 230 && three?["country"] as? String == "US")
            // Rows that state a supply are the operator's word; JSON rows without one keep the unconfirmed defaults.
            #expect(three?["electrical_source"] as? String == "operator")
            let bare = try await h.request(
                "POST", "/v1/vehicles/import", body: #"[{"vendor": "tesla", "vendor_vehicle_id": "VIN0004"}]"#, contentType: "application/json")
            #expect(bare.status == 201, "\(bare.text)")
            let four = try await h.get("/v1/vehicles?vendor=tesla").array.first { $0["vendor_vehicle_id"] as? String == "VIN0004" }
            #expect(four?["electrical_source"] as? String == "assumed" && four?["voltage"] as? Int == 240)
        }
    }

    @Test func csv_WithInvalidRows_Returns422ListingThem_AndImportsNothing() async throws {
        try await FleetHarness.with { h in
            let csv = Self.header + """
                tesla,VIN0001,Tesla,Model 3,2021,240,1,5,32,75,west,
                ford,VIN0002,Ford,,,240,1,5,32,,,
                tesla,VIN0003,Tesla,,,240,1,40,16,,,
                tesla,VIN0001,Tesla,,,240,1,5,32,,,
                tesla,VIN0005,Tesla,,1800,9999,1,5,32,,bad group,
                tesla,VIN0006,Tesla
                """
            let response = try await h.request("POST", "/v1/vehicles/import", body: csv, contentType: "text/csv")
            #expect(response.status == 422)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.object["rejected_count"] as? Int == 5 && response.object["row_count"] as? Int == 6)
            let rejected = (response.object["rejected"] as? [[String: Any]]) ?? []
            #expect(rejected.map { $0["row"] as? Int } == [2, 3, 4, 5, 6])
            func fields(_ row: [String: Any]) -> Set<String> {
                Set(((row["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            }
            #expect(fields(rejected[0]) == ["vendor"])
            #expect(fields(rejected[1]) == ["max_amps"])
            #expect(fields(rejected[2]) == ["vendor_vehicle_id"])
            #expect(fields(rejected[3]) == ["year", "voltage", "groups"])
            #expect(fields(rejected[4]) == ["row"])
            #expect(try await h.count("vehicles") == 0)
            #expect(try await h.count("vehicle_groups") == 0)
        }
    }

    @Test func import_RejectsRowsClashingWithTheFleet_AndImportsNothing() async throws {
        try await FleetHarness.with { h in
            _ = try await h.createVehicle(["vendor": "tesla", "vendor_vehicle_id": "VIN-EXISTS"])
            let csv = "vendor,vendor_vehicle_id,account_id\ntesla,VIN-NEW,\ntesla,VIN-EXISTS,\ntesla,VIN-ACC,\(UUID())\n"
            let response = try await h.request("POST", "/v1/vehicles/import", body: csv, contentType: "text/csv")
            #expect(response.status == 422, "\(response.text)")
            let rejected = (response.object["rejected"] as? [[String: Any]]) ?? []
            #expect(rejected.map { $0["row"] as? Int } == [2, 3])
            #expect(try await h.count("vehicles") == 1)
        }
    }

    @Test func json_Imports_AndRejectsWrongTypesPerRow() async throws {
        try await FleetHarness.with { h in
            let account = try await h.createAccount(vendor: "smartcar")
            let good: [[String: Any]] = [
                ["vendor": "smartcar", "vendor_vehicle_id": "sc-1", "account_id": account, "max_amps": 40, "groups": ["a", "b"]],
                ["vendor": "tesla", "vendor_vehicle_id": "VIN1", "battery_kwh": 82.5, "programs": ["p"]],
            ]
            let ok = try await h.request("POST", "/v1/vehicles/import", json: good)
            #expect(ok.status == 201, "\(ok.text)")
            #expect(ok.object["imported"] as? Int == 2)
            #expect(try await h.get("/v1/vehicles?account_id=\(account)").array.count == 1)

            let bad: [Any] = [
                ["vendor": "tesla", "vendor_vehicle_id": "VIN2", "voltage": "240"],
                ["vendor": "tesla", "vendor_vehicle_id": "VIN3", "colour": "red"],
                "not an object",
                ["vendor": "tesla", "vendor_vehicle_id": "VIN4", "year": true],
                ["vendor": "tesla", "vendor_vehicle_id": "VIN5"],
            ]
            let rejected = try await h.request("POST", "/v1/vehicles/import", json: bad)
            #expect(rejected.status == 422)
            #expect(((rejected.object["rejected"] as? [[String: Any]]) ?? []).map { $0["row"] as? Int } == [1, 2, 3, 4])
            #expect(try await h.count("vehicles") == 2)
        }
    }

    @Test func import_Returns400Or415_ForUnreadablePayloads() async throws {
        try await FleetHarness.with { h in
            let cases: [(String, String, Int)] = [
                ("vendor,vin\ntesla,1\n", "text/csv", 400),
                ("make\nTesla\n", "text/csv", 400),
                ("", "text/csv", 400),
                ("vendor,vendor_vehicle_id\n\"tesla,1\n", "text/csv", 400),
                ("{\"vendor\": \"tesla\"}", "application/json", 400),
                ("[{", "application/json", 400),
                ("vendor,vendor_vehicle_id\ntesla,1\n", "text/plain", 415),
            ]
            for (body, type, status) in cases {
                let response = try await h.request("POST", "/v1/vehicles/import", body: body, contentType: type)
                #expect(response.status == status, "\(type) \(body): \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json")
            }
            #expect(try await h.count("vehicles") == 0)
        }
    }

    @Test func csv_20000Rows_ImportsInOneRequest() async throws {
        try await FleetHarness.with { h in
            var csv = "vendor,vendor_vehicle_id,make,max_amps,groups\n"
            for i in 0..<20_000 { csv += "tesla,VIN\(i),Tesla,32,bulk;g\(i % 10)\n" }
            let response = try await h.request("POST", "/v1/vehicles/import", body: csv, contentType: "text/csv")
            #expect(response.status == 201, "\(response.text.prefix(500))")
            #expect(response.object["imported"] as? Int == 20_000)
            #expect(try await h.count("vehicle_groups") == 40_000)
        }
    }
}
