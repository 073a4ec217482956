import Foundation
import Testing

@testable import OpenADR

/// Compile-time check that the public values stay `Sendable`, and echo checks for BL-sent spellings.
@Suite struct SendableTests {
    @Test func publicValues_AreSendable() {
        let values: [any Sendable] = [
            Event.fixture(), Program(programName: "p"),
            Subscription(clientName: "c", programID: "p", objectOperations: []),
            Report(programID: "p", eventID: "e", clientName: "c", resources: []), VEN(venName: "v"),
            Resource(resourceName: "r"), Problem(), ISODuration.zero, DateTime(Date()), ShedRequest.simple(level: 1),
            OpenADRLimits.default, OpenADRValidationError(pointer: "", message: "m"),
        ]
        #expect(values.count == 12)
    }

    @Test func infinityAndZeroDays_AreEchoedAsSent() throws {
        let json =
            #"{"programID":"p","intervalPeriod":{"start":"0001-01-01T00:00:00Z","duration":"P9999Y","randomizeStart":"P0D"},"intervals":[{"id":0,"payloads":[{"type":"SIMPLE","values":[3]}]}]}"#
        let event = try OpenADRJSON.decode(Event.self, from: Data(json.utf8))
        let echoed = String(decoding: try OpenADRJSON.encode(event), as: UTF8.self)
        #expect(echoed.contains(#""duration":"P9999Y""#))
        #expect(echoed.contains(#""randomizeStart":"P0D""#))
        #expect(echoed.contains(#""start":"0001-01-01T00:00:00Z""#))
        let validated = try event.validated(now: date("2030-07-16T00:00:00Z"))
        #expect(validated.activeInterval(at: date("2030-07-16T00:00:00Z"))?.requests == [.simple(level: 3)])
    }
}
