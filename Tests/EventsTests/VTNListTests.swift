import Foundation
import OpenADR
import Testing

/// Collection filters (AND between parameters, OR between targetValues) and skip/limit paging.
@Suite struct VTNListTests {
    @Test func events_FilterByProgramAndTargets_AndPage() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let first = try await vtn.createProgram(token: token, name: "FIRST")
            let second = try await vtn.createProgram(token: token, name: "SECOND")
            var created: [Event] = []
            for group in ["fleet-a", "fleet-b", "fleet-c", "fleet-a", "fleet-b"] {
                created.append(try await vtn.createEvent(token: token, programID: first.id!, groups: [group]))
            }
            let other = try await vtn.createEvent(token: token, programID: second.id!, groups: ["fleet-a"])

            let all = try await vtn.send("GET", "/events", token: token).decode([Event].self)
            #expect(all.map(\.id) == (created + [other]).map(\.id), "creation order")

            let byProgram = try await vtn.send("GET", "/events?programID=\(first.id!)", token: token).decode(
                [Event].self)
            #expect(byProgram.map(\.id) == created.map(\.id))

            let byTargets = try await vtn.send(
                "GET", "/events?programID=\(first.id!)&targetType=GROUP&targetValues=fleet-a&targetValues=fleet-c",
                token: token
            ).decode([Event].self)
            #expect(byTargets.map(\.id) == [created[0], created[2], created[3]].map(\.id))

            let noMatch = try await vtn.send(
                "GET", "/events?targetType=SERVICE_AREA&targetValues=fleet-a", token: token)
            #expect(try noMatch.decode([Event].self).isEmpty)

            let page = try await vtn.send("GET", "/events?programID=\(first.id!)&skip=1&limit=2", token: token)
            #expect(try page.decode([Event].self).map(\.id) == [created[1], created[2]].map(\.id))
            let past = try await vtn.send("GET", "/events?skip=100", token: token)
            #expect(try past.decode([Event].self).isEmpty)
            #expect(try await vtn.send("GET", "/events?limit=0", token: token).decode([Event].self).isEmpty)

            for bad in ["limit=51", "limit=-1", "skip=-1", "skip=x", "targetType=GROUP", "targetValues=fleet-a"] {
                let response = try await vtn.send("GET", "/events?\(bad)", token: token)
                #expect(response.status == 400, "\(bad)")
            }
            #expect(try await vtn.send("GET", "/events?unknownParameter=1", token: token).status == 200)

            let programs = try await vtn.send(
                "GET", "/programs?targetType=SERVICE_AREA&targetValues=BAY-AREA-NORTH&limit=1", token: token)
            #expect(try programs.decode([Program].self).map(\.id) == [first.id])
        }
    }

    @Test func subscriptionsAndReports_Filters() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic + [.writeReports])
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)
            var subscription: Subscription = try VTN.example("subscription.json")
            subscription.programID = program.id!
            let eventsOnly = try await vtn.send("POST", "/subscriptions", token: token, json: subscription)
                .decode(Subscription.self)
            subscription.clientName = "other-client"
            subscription.objectOperations = [
                ObjectOperation(objects: [.report], operations: [.post], callbackUrl: "https://example.net/cb")
            ]
            let reportsOnly = try await vtn.send("POST", "/subscriptions", token: token, json: subscription)
                .decode(Subscription.self)
            #expect(reportsOnly.objectOperations[0].operations == [.post], "HTTP verbs are echoed as stored")

            let byObjects = try await vtn.send("GET", "/subscriptions?objects=REPORT", token: token)
            #expect(try byObjects.decode([Subscription].self).map(\.id) == [reportsOnly.id])
            let byEither = try await vtn.send("GET", "/subscriptions?objects=REPORT&objects=PROGRAM", token: token)
            #expect(try byEither.decode([Subscription].self).count == 2)
            let byClient = try await vtn.send("GET", "/subscriptions?clientName=curtail-ven-01", token: token)
            #expect(try byClient.decode([Subscription].self).map(\.id) == [eventsOnly.id])
            let byTarget = try await vtn.send(
                "GET", "/subscriptions?targetType=GROUP&targetValues=curtail-fleet-a&programID=\(program.id!)",
                token: token)
            #expect(try byTarget.decode([Subscription].self).count == 2)

            var report: Report = try VTN.example("report.json")
            report.programID = program.id!
            report.eventID = event.id!
            _ = try await vtn.send("POST", "/reports", token: token, json: report)
            report.clientName = "another-ven"
            _ = try await vtn.send("POST", "/reports", token: token, json: report)
            let byName = try await vtn.send("GET", "/reports?clientName=another-ven", token: token)
            #expect(try byName.decode([Report].self).map(\.clientName) == ["another-ven"])
            let byEvent = try await vtn.send(
                "GET", "/reports?eventID=\(event.id!)&programID=\(program.id!)", token: token)
            #expect(try byEvent.decode([Report].self).count == 2)
            #expect(try await vtn.send("GET", "/reports?eventID=none", token: token).decode([Report].self).isEmpty)
        }
    }
}
