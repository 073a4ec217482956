import Foundation
import Testing

@testable import OpenADR

@Suite struct ProgramValidationTests {
    func issues(_ program: Program) -> [String] {
        pointers { () throws(OpenADRValidationError) in _ = try program.validated() }
    }

    @Test func example_IsValid() throws {
        #expect(issues(try Fixture.decode(Program.self, "program.json")).isEmpty)
    }

    @Test func program_IsRejected_WhenFieldsMalformed() throws {
        var program = try Fixture.decode(Program.self, "program.json")
        program.programName = ""
        program.country = "usa"
        program.timeZoneOffset = ISODuration("P1M")
        program.programDescriptions = [ProgramDescription(url: "not a url")]
        program.targets = [ValuesMap(type: "SERVICE_AREA", values: [.integer(1)])]
        #expect(
            issues(program) == [
                "/programName", "/country", "/timeZoneOffset", "/programDescriptions/0/URL", "/targets/0/values/0",
            ])
    }

    @Test func program_MaySpanCalendarYears() throws {
        var program = try Fixture.decode(Program.self, "program.json")
        program.intervalPeriod?.duration = ISODuration("P1Y")
        #expect(issues(program).isEmpty)
    }
}

@Suite struct SubscriptionValidationTests {
    func issues(_ subscription: Subscription) -> [String] {
        pointers { () throws(OpenADRValidationError) in _ = try subscription.validated() }
    }

    @Test func example_IsValid() throws {
        #expect(issues(try Fixture.decode(Subscription.self, "subscription.json")).isEmpty)
    }

    @Test(arguments: ["ftp://x.example/cb", "/relative/cb", "https://", "curtail.example.net/cb", ""])
    func subscription_IsRejected_WhenCallbackNotAbsoluteHTTP(url: String) throws {
        var subscription = try Fixture.decode(Subscription.self, "subscription.json")
        subscription.objectOperations[1].callbackUrl = url
        #expect(issues(subscription) == ["/objectOperations/1/callbackUrl"])
    }

    @Test func subscription_IsRejected_WhenObjectsOrOperationsUnknown() throws {
        var subscription = try Fixture.decode(Subscription.self, "subscription.json")
        subscription.objectOperations[0].objects = ["EVENT", "WIDGET", "EVENT"]
        subscription.objectOperations[0].operations = ["CREATE", "PATCH"]
        subscription.objectOperations[1].operations = []
        #expect(
            issues(subscription) == [
                "/objectOperations/0/objects/1", "/objectOperations/0/objects/2", "/objectOperations/0/operations/1",
                "/objectOperations/1/operations",
            ])
    }

    @Test func subscription_AcceptsHTTPVerbOperations() throws {
        var subscription = try Fixture.decode(Subscription.self, "subscription.json")
        subscription.objectOperations[0].operations = [.post, .put, .delete]
        #expect(issues(subscription).isEmpty)
        #expect(subscription.objectOperations[0].operations.compactMap(\.normalized) == [.create, .update, .delete])
    }

    @Test func subscription_IsRejected_WhenNoObjectOperations() throws {
        var subscription = try Fixture.decode(Subscription.self, "subscription.json")
        subscription.objectOperations = []
        subscription.programID = "p!"
        #expect(issues(subscription) == ["/programID", "/objectOperations"])
    }

    @Test func validationMessages_NeverContainTheBearerToken() throws {
        var subscription = try Fixture.decode(Subscription.self, "subscription.json")
        subscription.objectOperations[0].callbackUrl = "nope"
        subscription.objectOperations[0].bearerToken = ""
        do {
            _ = try subscription.validated()
            Issue.record("expected failure")
        } catch {
            #expect(error.pointers == ["/objectOperations/0/callbackUrl", "/objectOperations/0/bearerToken"])
            #expect(!error.description.contains("c7Jq2mZr9TfLx4WbN0aE5sVd"))
        }
    }
}

@Suite struct ReportValidationTests {
    func issues(_ report: Report) -> [String] {
        pointers { () throws(OpenADRValidationError) in _ = try report.validated() }
    }

    @Test func example_IsValid() throws {
        #expect(issues(try Fixture.decode(Report.self, "report.json")).isEmpty)
    }

    @Test func report_IsRejected_WhenFieldsMalformed() throws {
        var report = try Fixture.decode(Report.self, "report.json")
        report.eventID = "e 1"
        report.clientName = ""
        report.payloadDescriptors?[0].confidence = 101
        report.resources[1].resourceName = ""
        report.resources[2].intervals[1].id = 0
        #expect(
            issues(report) == [
                "/eventID", "/clientName", "/payloadDescriptors/0/confidence", "/resources/1/resourceName",
                "/resources/2/intervals/1/id",
            ])
    }
}

@Suite struct VENValidationTests {
    @Test func ven_IsRejected_WhenInlineResourceMalformed() {
        let ven = VEN(venName: "curtail-ven-01", resources: [Resource(resourceName: "ok"), Resource(resourceName: "")])
        let found = pointers { () throws(OpenADRValidationError) in _ = try ven.validated() }
        #expect(found == ["/resources/1/resourceName"])
    }

    @Test func resource_IsRejected_WhenNameTooLong() {
        let resource = Resource(resourceName: String(repeating: "r", count: 129))
        #expect(pointers { () throws(OpenADRValidationError) in _ = try resource.validated() } == ["/resourceName"])
    }
}
