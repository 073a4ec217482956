import Foundation
import Testing

@testable import OpenADR

@Suite struct DecodingErrorTests {
    func decodeEventPointers(_ json: String) -> [String] {
        pointers { () throws(OpenADRValidationError) in _ = try OpenADRJSON.decode(Event.self, from: Data(json.utf8)) }
    }

    @Test func missingProgramID_IsReportedAtItsPointer() {
        #expect(decodeEventPointers(#"{"intervals":[]}"#) == ["/programID"])
    }

    @Test func missingPayloads_IsReportedInsideTheInterval() {
        #expect(
            decodeEventPointers(#"{"programID":"p","intervals":[{"id":0,"payloads":[]},{"id":1}]}"#) == [
                "/intervals/1/payloads"
            ])
    }

    @Test func malformedDuration_IsReportedAtItsPointer() {
        let json =
            #"{"programID":"p","intervalPeriod":{"start":"2030-01-01T00:00:00Z","duration":"PT"},"intervals":[]}"#
        #expect(decodeEventPointers(json) == ["/intervalPeriod/duration"])
    }

    @Test func sentinelDate_IsRejected() {
        let json = #"{"programID":"p","intervalPeriod":{"start":"0000-00-00","duration":"PT1H"},"intervals":[]}"#
        #expect(decodeEventPointers(json) == ["/intervalPeriod/start"])
    }

    @Test func wrongType_IsReportedAtItsPointer() {
        #expect(decodeEventPointers(#"{"programID":"p","priority":"high","intervals":[]}"#) == ["/priority"])
    }

    @Test func notJSON_IsReportedAtTheRoot() {
        #expect(decodeEventPointers("{nope") == [""])
    }

    @Test func problem_ListsEveryIssue() {
        let error = OpenADRValidationError(issues: [
            .init(pointer: "/priority", message: "must be 0 (highest) or greater"),
            .init(pointer: "/intervals/0/id", message: "duplicate"),
        ])
        let problem = Problem(status: 422, title: "Unprocessable Content", validationError: error)
        #expect(problem.status == 422)
        #expect(problem.errors?.map(\.pointer) == ["/priority", "/intervals/0/id"])
        #expect(problem.detail?.contains("/priority") == true)
    }
}
