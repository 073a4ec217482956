import Foundation
import Testing

@testable import OpenADR

@Suite struct RoundTripTests {
    /// decode → encode → decode is identity, and the encoding equals the file as parsed JSON.
    func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ name: String) throws {
        let original = try Fixture.data(name)
        let decoded = try OpenADRJSON.decode(T.self, from: original)
        let encoded = try OpenADRJSON.encode(decoded)
        let again = try OpenADRJSON.decode(T.self, from: encoded)
        #expect(again == decoded)
        #expect(try Fixture.json(encoded) == Fixture.json(original), "\(name) re-encodes to different JSON")
    }

    @Test func program_RoundTrips() throws { try roundTrip(Program.self, "program.json") }
    @Test func simpleShedEvent_RoundTrips() throws { try roundTrip(Event.self, Fixture.simpleShed) }
    @Test func capacityLimitEvent_RoundTrips() throws { try roundTrip(Event.self, Fixture.capacityLimit) }
    @Test func cancelUpdateEvent_RoundTrips() throws { try roundTrip(Event.self, Fixture.cancelUpdate) }
    @Test func report_RoundTrips() throws { try roundTrip(Report.self, "report.json") }
    @Test func subscription_RoundTrips() throws { try roundTrip(Subscription.self, "subscription.json") }
    @Test func notification_RoundTrips() throws { try roundTrip(Notification.self, "notification-event-post.json") }
    @Test func problem_RoundTrips() throws { try roundTrip(Problem.self, "problem-404.json") }
    @Test func tokenResponse_RoundTrips() throws { try roundTrip(ClientCredentialResponse.self, "token-response.json") }
    @Test func authError_RoundTrips() throws { try roundTrip(AuthError.self, "auth-error-400.json") }

    @Test func everyFixture_IsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.directory.path).sorted()
        #expect(
            files == [
                "auth-error-400.json", "event-cancel-update.json", "event-capacity-limit.json",
                "event-simple-shed.json",
                "notification-event-post.json", "problem-404.json", "program.json", "report.json", "subscription.json",
                "token-request.txt", "token-response.json",
            ])
    }

    @Test func tokenRequest_ParsesFormBody() throws {
        let body = String(decoding: try Fixture.data("token-request.txt"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let request = try #require(ClientCredentialRequest(formURLEncoded: body))
        #expect(request.grantType == "client_credentials")
        #expect(request.clientID == "utility-bl-01")
        #expect(request.clientSecret == "Zq8v2LmR4tWx9PkN")
        #expect(request.scopes == ["read_all", "write_programs", "write_events", "write_subscriptions"])
        #expect(!request.description.contains("Zq8v2LmR4tWx9PkN"))
    }

    @Test func tokenRequest_IsRejected_WhenFieldRepeatedOrGrantMissing() {
        #expect(ClientCredentialRequest(formURLEncoded: "grant_type=a&grant_type=b") == nil)
        #expect(ClientCredentialRequest(formURLEncoded: "client_id=x") == nil)
        #expect(ClientCredentialRequest(formURLEncoded: "grant_type=client_credentials&client_id=%ZZ") == nil)
    }

    @Test func notification_DecodesObjectByObjectType() throws {
        let n = try Fixture.decode(Notification.self, "notification-event-post.json")
        #expect(n.operation.normalized == .create)
        guard case .event(let event) = n.object else {
            Issue.record("expected an event object")
            return
        }
        #expect(event == (try Fixture.decode(Event.self, Fixture.simpleShed)))
    }

    @Test func programPayloadDescriptors_DecodeAsEventDescriptors() throws {
        let program = try Fixture.decode(Program.self, "program.json")
        #expect(program.payloadDescriptors?.map(\.payloadType) == [.simple, .importCapacityLimit])
        guard case .event(let d)? = program.payloadDescriptors?.last else {
            Issue.record("expected an event payload descriptor")
            return
        }
        #expect(d.units == .kw)
        #expect(program.programDescriptions?.first?.url == "https://utility.example.com/programs/ev-smart-charge")
    }

    @Test func objectOperation_EncodesNullBearerToken() throws {
        let op = ObjectOperation(objects: [.event], operations: [.create], callbackUrl: "https://x.example/cb")
        let json = try Fixture.json(OpenADRJSON.encode(op))
        guard case .object(let members) = json else {
            Issue.record("expected an object")
            return
        }
        #expect(members["bearerToken"] == .null)
    }

    @Test func optionalNils_AreOmittedAndExplicitNullsAccepted() throws {
        let body =
            Data(
                #"{"id":null,"createdDateTime":null,"programID":"p-1","eventName":null,"priority":null,"targets":null,"#
                    .utf8)
            + Data(#""intervalPeriod":null,"intervals":[{"id":0,"intervalPeriod":null,"payloads":[]}]}"#.utf8)
        let event = try OpenADRJSON.decode(Event.self, from: body)
        let text = String(decoding: try OpenADRJSON.encode(event), as: UTF8.self)
        #expect(!text.contains("null"))
    }

    @Test func numbers_WithAndWithoutDecimalPoint_AreEqual() throws {
        let a = try OpenADRJSON.decode(ValuesMap.self, from: Data(#"{"type":"PRICE","values":[800]}"#.utf8))
        let b = try OpenADRJSON.decode(ValuesMap.self, from: Data(#"{"type":"PRICE","values":[800.0]}"#.utf8))
        #expect(a == b)
        let mixed = try OpenADRJSON.decode(
            ValuesMap.self, from: Data(#"{"type":"X","values":[1.5,"s",true,{"x":1,"y":2.5}]}"#.utf8))
        #expect(mixed.values == [.number(1.5), .string("s"), .boolean(true), .point(Point(x: 1, y: 2.5))])
    }
}
