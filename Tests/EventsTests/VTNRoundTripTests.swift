import Foundation
import OpenADR
import Postgres
import Testing

/// Every example in shared/openadr/examples goes through the API: POST, then GET returns the same object plus the
/// VTN-provisioned fields.
@Suite struct VTNRoundTripTests {
    @Test func program_RoundTrips_WithVTNFields() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let example: Program = try VTN.example("program.json")
            let created = try await vtn.send("POST", "/programs", token: token, json: example)
            #expect(created.status == 201)
            let program = try created.decode(Program.self)
            #expect(program.withoutVTNFields == example.withoutVTNFields)
            #expect(program.id != nil && program.id != example.id)
            #expect(program.objectType == .program)
            #expect(program.createdDateTime != nil && program.createdDateTime == program.modificationDateTime)

            let read = try await vtn.send("GET", "/programs/\(program.id!)", token: token)
            #expect(read.status == 200)
            #expect(try read.decode(Program.self) == program)
            #expect(!read.text.contains("null"), "no explicit nulls: \(read.text)")
        }
    }

    @Test(arguments: ["event-simple-shed.json", "event-capacity-limit.json", "event-cancel-update.json"])
    func event_RoundTrips_WithVTNFields(_ file: String) async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            var example: Event = try VTN.example(file)
            example.programID = program.id!
            let created = try await vtn.send("POST", "/events", token: token, json: example)
            #expect(created.status == 201, "\(created.text)")
            let event = try created.decode(Event.self)
            #expect(event.withoutVTNFields == example.withoutVTNFields)
            #expect(event.objectType == .event)

            let read = try await vtn.send("GET", "/events/\(event.id!)", token: token)
            #expect(read.status == 200)
            #expect(try read.decode(Event.self) == event)

            let row = try #require(
                try await vtn.pool.query("SELECT starts_at, ends_at, revision FROM events WHERE id = \(event.id!)")
                    .first)
            let timeline = try example.validated(now: Date(timeIntervalSince1970: 0)).timeline
            #expect(try row.decode(Date.self, column: "starts_at") == timeline.start)
            #expect(try row.decode(Date.self, column: "ends_at") == timeline.end)
        }
    }

    @Test func event_Update_KeepsIDAndCreated_MovesModified() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)
            var update: Event = try VTN.example("event-cancel-update.json")
            update.programID = program.id!
            let response = try await vtn.send("PUT", "/events/\(event.id!)", token: token, json: update)
            #expect(response.status == 200, "\(response.text)")
            let updated = try response.decode(Event.self)
            #expect(updated.id == event.id)
            #expect(updated.createdDateTime == event.createdDateTime)
            #expect(updated.modificationDateTime! > event.modificationDateTime!)
            #expect(updated.withoutVTNFields == update.withoutVTNFields)
            let read = try await vtn.send("GET", "/events/\(event.id!)", token: token)
            #expect(try read.decode(Event.self) == updated)
            let revision = try await vtn.pool.query("SELECT revision FROM events WHERE id = \(event.id!)")
            #expect(try revision[0].decode(Int.self, column: "revision") == 2)
        }
    }

    @Test func subscription_RoundTrips_EchoingBearerToken() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            var example: Subscription = try VTN.example("subscription.json")
            example.programID = program.id!
            let created = try await vtn.send("POST", "/subscriptions", token: token, json: example)
            #expect(created.status == 201, "\(created.text)")
            let subscription = try created.decode(Subscription.self)
            #expect(subscription.withoutVTNFields == example.withoutVTNFields)
            let read = try await vtn.send("GET", "/subscriptions/\(subscription.id!)", token: token)
            #expect(try read.decode(Subscription.self) == subscription)
        }
    }

    @Test func report_RoundTrips() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic + [.writeReports])
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)
            var example: Report = try VTN.example("report.json")
            example.programID = program.id!
            example.eventID = event.id!
            let created = try await vtn.send("POST", "/reports", token: token, json: example)
            #expect(created.status == 201, "\(created.text)")
            let report = try created.decode(Report.self)
            #expect(report.withoutVTNFields == example.withoutVTNFields)
            let read = try await vtn.send("GET", "/reports/\(report.id!)", token: token)
            #expect(try read.decode(Report.self) == report)

            var changed = example
            changed.reportName = "revised"
            let put = try await vtn.send("PUT", "/reports/\(report.id!)", token: token, json: changed)
            #expect(put.status == 200)
            #expect(try put.decode(Report.self).reportName == "revised")
            let deleted = try await vtn.send("DELETE", "/reports/\(report.id!)", token: token)
            #expect(deleted.status == 200)
            #expect(try deleted.decode(Report.self).reportName == "revised")
            #expect(try await vtn.send("GET", "/reports/\(report.id!)", token: token).status == 404)
        }
    }

    @Test func program_UpdateAndDelete() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            var changed = program.withoutVTNFields
            changed.programLongName = "Renamed"
            changed.id = "ignored-id"
            let put = try await vtn.send("PUT", "/programs/\(program.id!)", token: token, json: changed)
            #expect(put.status == 200)
            let updated = try put.decode(Program.self)
            #expect(updated.id == program.id && updated.programLongName == "Renamed")
            #expect(updated.createdDateTime == program.createdDateTime)

            let deleted = try await vtn.send("DELETE", "/programs/\(program.id!)", token: token)
            #expect(deleted.status == 200)
            #expect(try deleted.decode(Program.self) == updated)
            #expect(try await vtn.send("GET", "/programs/\(program.id!)", token: token).status == 404)
            // The name is free again.
            #expect(try await vtn.send("POST", "/programs", token: token, json: changed).status == 201)
        }
    }

    @Test func vensAndResources_CRUD() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("ven", VTN.ven)
            let ven = VEN(venName: "curtail-ven-01", targets: [ValuesMap(.group, ["curtail-fleet-a"])])
            let created = try await vtn.send("POST", "/vens", token: token, json: ven)
            #expect(created.status == 201, "\(created.text)")
            let stored = try created.decode(VEN.self)
            #expect(stored.withoutVTNFields == ven.withoutVTNFields)
            #expect(try await vtn.send("POST", "/vens", token: token, json: ven).status == 409)

            let resource = Resource(resourceName: "vehicle-0017", targets: [ValuesMap(.group, ["curtail-fleet-a"])])
            let madeResource = try await vtn.send("POST", "/vens/\(stored.id!)/resources", token: token, json: resource)
            #expect(madeResource.status == 201, "\(madeResource.text)")
            let storedResource = try madeResource.decode(Resource.self)
            #expect(storedResource.venID == stored.id)
            #expect(
                try await vtn.send("POST", "/vens/\(stored.id!)/resources", token: token, json: resource).status == 409)
            let list = try await vtn.send(
                "GET", "/vens/\(stored.id!)/resources?targetType=GROUP&targetValues=curtail-fleet-a", token: token)
            #expect(try list.decode([Resource].self) == [storedResource])
            let byName = try await vtn.send("GET", "/vens?venName=curtail-ven-01", token: token)
            #expect(try byName.decode([VEN].self).map(\.id) == [stored.id])
            #expect(
                try await vtn.send("DELETE", "/vens/\(stored.id!)/resources/\(storedResource.id!)", token: token).status
                    == 200)
            #expect(try await vtn.send("DELETE", "/vens/\(stored.id!)", token: token).status == 200)
            #expect(try await vtn.send("GET", "/vens/\(stored.id!)", token: token).status == 404)
        }
    }
}
