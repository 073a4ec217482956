import Foundation
import OpenADR
import Testing

/// Each validation rule surfaces as a 400 problem naming the field (a JSON pointer), and nothing is stored.
@Suite struct VTNValidationTests {
    /// The simple-shed example as JSON, edited by `change`, for bodies the Codable types cannot express.
    static func eventJSON(programID: String, _ change: (inout [String: Any]) -> Void) throws -> Data {
        let url = URL(fileURLWithPath: VTN.examplesDirectory + "/event-simple-shed.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        object["programID"] = programID
        change(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func event_InvalidBodies_Return400NamingTheField() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let id = program.id!
            let cases: [(String, Data, String)] = [
                (
                    "event wholly in the past",
                    try Self.eventJSON(programID: id) {
                        $0["intervalPeriod"] = ["start": "2020-01-01T00:00:00Z", "duration": "PT1H"]
                    }, "/intervals"
                ),
                (
                    "SIMPLE level out of range",
                    try Self.eventJSON(programID: id) {
                        $0["intervals"] = [["id": 0, "payloads": [["type": "SIMPLE", "values": [4]]]]]
                    }, "/intervals/0/payloads/0/values/0"
                ),
                (
                    "zero-length shed",
                    try Self.eventJSON(programID: id) {
                        $0["intervalPeriod"] = ["start": "2030-07-15T23:00:00Z", "duration": "PT0S"]
                    }, "/intervals/0"
                ),
                ("no intervals", try Self.eventJSON(programID: id) { $0["intervals"] = [] }, "/intervals"),
                ("missing programID", try Self.eventJSON(programID: id) { $0["programID"] = nil }, "/programID"),
                ("bad programID", try Self.eventJSON(programID: "not an id!") { _ in }, "/programID"),
                ("unknown program", try Self.eventJSON(programID: "p-unknown") { _ in }, "/programID"),
                (
                    "bad date-time",
                    try Self.eventJSON(programID: id) {
                        $0["intervalPeriod"] = ["start": "0000-00-00", "duration": "PT1H"]
                    }, "/intervalPeriod/start"
                ),
                ("negative priority", try Self.eventJSON(programID: id) { $0["priority"] = -1 }, "/priority"),
            ]
            for (name, body, pointer) in cases {
                let response = try await vtn.send("POST", "/events", token: token, body: body)
                #expect(response.status == 400, "\(name): \(response.text)")
                #expect(response.pointers.contains(pointer), "\(name): expected \(pointer) in \(response.text)")
                #expect(response.headers["content-type"] == "application/problem+json")
                #expect(response.problem?.detail?.isEmpty == false)
            }
            let stored = try await vtn.send("GET", "/events", token: token)
            #expect(try stored.decode([Event].self).isEmpty)
        }
    }

    @Test func otherObjects_InvalidBodies_Return400NamingTheField() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic + [.writeReports])
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)

            var badProgram: Program = try VTN.example("program.json")
            badProgram.country = "usa"
            badProgram.programName = ""
            let programResponse = try await vtn.send("POST", "/programs", token: token, json: badProgram)
            #expect(programResponse.status == 400)
            #expect(
                Set(programResponse.pointers).isSuperset(of: ["/programName", "/country"]), "\(programResponse.text)")

            var subscription: Subscription = try VTN.example("subscription.json")
            subscription.programID = program.id!
            subscription.objectOperations[0].callbackUrl = "ftp://nowhere"
            let subscriptionResponse = try await vtn.send("POST", "/subscriptions", token: token, json: subscription)
            #expect(subscriptionResponse.status == 400)
            #expect(
                subscriptionResponse.pointers.contains("/objectOperations/0/callbackUrl"),
                "\(subscriptionResponse.text)")
            #expect(
                !subscriptionResponse.text.contains("c7Jq2mZr9TfLx4WbN0aE5sVd"),
                "a bearer token is never echoed in a problem")

            var report: Report = try VTN.example("report.json")
            report.programID = program.id!
            report.eventID = "e-unknown"
            let unknownEvent = try await vtn.send("POST", "/reports", token: token, json: report)
            #expect(unknownEvent.status == 400)
            #expect(unknownEvent.pointers == ["/eventID"])
            report.eventID = event.id!
            report.programID = "p-other"
            let wrongProgram = try await vtn.send("POST", "/reports", token: token, json: report)
            #expect(wrongProgram.status == 400)
            #expect(wrongProgram.pointers == ["/programID"])

            let notJSON = try await vtn.send(
                "POST", "/programs", token: token, body: Data("x".utf8), contentType: "text/plain")
            #expect(notJSON.status == 415)
            let malformed = try await vtn.send("POST", "/programs", token: token, body: Data("{\"programName\":".utf8))
            #expect(malformed.status == 400)
            let badID = try await vtn.send("GET", "/events/bad%20id", token: token)
            #expect(badID.status == 400)
        }
    }

    @Test func program_DuplicateName_Returns409_PerTenant() async throws {
        try await VTN.run { vtn in
            let utilityA = try await vtn.token("utility-a", VTN.businessLogic)
            let utilityB = try await vtn.token("utility-b", VTN.businessLogic)
            let program: Program = try VTN.example("program.json")
            #expect(try await vtn.send("POST", "/programs", token: utilityA, json: program).status == 201)
            let duplicate = try await vtn.send("POST", "/programs", token: utilityA, json: program)
            #expect(duplicate.status == 409)
            #expect(duplicate.problem?.status == 409)
            // Another tenant may use the same name: uniqueness per VTN would leak one utility's names to another.
            #expect(try await vtn.send("POST", "/programs", token: utilityB, json: program).status == 201)

            // Renaming onto an existing name is a conflict too.
            var other = program
            other.programName = "OTHER"
            let created = try await vtn.send("POST", "/programs", token: utilityA, json: other).decode(Program.self)
            let rename = try await vtn.send("PUT", "/programs/\(created.id!)", token: utilityA, json: program)
            #expect(rename.status == 409)
        }
    }
}
