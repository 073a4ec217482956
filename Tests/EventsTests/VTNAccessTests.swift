import Foundation
import OpenADR
import Testing

/// 401 without a valid token, 403 without the scope, 404 for another tenant's objects; operators see all.
@Suite struct VTNAccessTests {
    @Test func missingOrBadToken_Returns401() async throws {
        try await VTN.run { vtn in
            let none = try await vtn.send("GET", "/programs")
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"] != nil)
            #expect(try await vtn.send("GET", "/events", token: "not-a-token").status == 401)
            #expect(try await vtn.send("POST", "/events", token: "not-a-token", body: Data("{}".utf8)).status == 401)
        }
    }

    @Test func missingScope_Returns403() async throws {
        try await VTN.run { vtn in
            let utility = try await vtn.token("utility", VTN.businessLogic)
            let ven = try await vtn.token("ven", VTN.ven)
            let program = try await vtn.createProgram(token: utility)
            let event: Event = try VTN.example("event-simple-shed.json")
            #expect(try await vtn.send("POST", "/events", token: ven, json: event).status == 403)
            #expect(try await vtn.send("POST", "/programs", token: ven, json: program).status == 403)
            #expect(try await vtn.send("DELETE", "/programs/\(program.id!)", token: ven).status == 403)
            let report: Report = try VTN.example("report.json")
            let forbidden = try await vtn.send("POST", "/reports", token: utility, json: report)
            #expect(forbidden.status == 403)
            #expect(forbidden.problem?.detail?.contains("write_reports") == true)
            let readOnly = try await vtn.token("reader", [.writeEvents])
            #expect(try await vtn.send("GET", "/events", token: readOnly).status == 403)
        }
    }

    @Test func otherTenantsObjects_Return404_AndAreNotListed() async throws {
        try await VTN.run { vtn in
            let utilityA = try await vtn.token("utility-a", VTN.businessLogic)
            let utilityB = try await vtn.token("utility-b", VTN.businessLogic)
            let program = try await vtn.createProgram(token: utilityA)
            let event = try await vtn.createEvent(token: utilityA, programID: program.id!)
            var subscription: Subscription = try VTN.example("subscription.json")
            subscription.programID = program.id!
            let madeSubscription = try await vtn.send("POST", "/subscriptions", token: utilityA, json: subscription)
            let subscriptionID = try madeSubscription.decode(Subscription.self).id!

            for path in ["/programs/\(program.id!)", "/events/\(event.id!)", "/subscriptions/\(subscriptionID)"] {
                #expect(try await vtn.send("GET", path, token: utilityB).status == 404, "GET \(path)")
                #expect(try await vtn.send("DELETE", path, token: utilityB).status == 404, "DELETE \(path)")
            }
            #expect(try await vtn.send("PUT", "/programs/\(program.id!)", token: utilityB, json: program).status == 404)
            #expect(try await vtn.send("PUT", "/events/\(event.id!)", token: utilityB, json: event).status == 404)
            #expect(try await vtn.send("GET", "/programs", token: utilityB).decode([Program].self).isEmpty)
            #expect(try await vtn.send("GET", "/events", token: utilityB).decode([Event].self).isEmpty)
            #expect(try await vtn.send("GET", "/subscriptions", token: utilityB).decode([Subscription].self).isEmpty)
            // B cannot attach events or subscriptions to A's program either: it does not exist for B.
            let foreignEvent = try await vtn.send("POST", "/events", token: utilityB, json: event)
            #expect(foreignEvent.status == 400)
            #expect(foreignEvent.pointers == ["/programID"])
            #expect(try await vtn.send("POST", "/subscriptions", token: utilityB, json: subscription).status == 400)
            // A still has everything.
            #expect(try await vtn.send("GET", "/events/\(event.id!)", token: utilityA).status == 200)
        }
    }

    @Test func operator_SeesAllTenants_AndReportsReachTheEventOwner() async throws {
        try await VTN.run { vtn in
            let utilityA = try await vtn.token("utility-a", VTN.businessLogic)
            let utilityB = try await vtn.token("utility-b", VTN.businessLogic)
            let operatorToken = try await vtn.token("operator", VTN.operator)
            let program = try await vtn.createProgram(token: utilityA)
            let event = try await vtn.createEvent(token: utilityA, programID: program.id!)
            _ = try await vtn.createProgram(token: utilityB)
            #expect(try await vtn.send("GET", "/programs", token: operatorToken).decode([Program].self).count == 2)
            #expect(try await vtn.send("GET", "/events/\(event.id!)", token: operatorToken).status == 200)

            // Curtail's own reporting identity (an operator) reports on A's event: A reads it, B does not.
            var report: Report = try VTN.example("report.json")
            report.programID = program.id!
            report.eventID = event.id!
            let created = try await vtn.send("POST", "/reports", token: operatorToken, json: report)
            #expect(created.status == 201, "\(created.text)")
            let reportID = try created.decode(Report.self).id!
            #expect(try await vtn.send("GET", "/reports/\(reportID)", token: utilityA).status == 200)
            #expect(
                try await vtn.send("GET", "/reports?eventID=\(event.id!)", token: utilityA).decode([Report].self).count
                    == 1)
            #expect(try await vtn.send("GET", "/reports/\(reportID)", token: utilityB).status == 404)
            #expect(try await vtn.send("GET", "/reports", token: utilityB).decode([Report].self).isEmpty)
        }
    }
}
