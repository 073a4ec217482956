import Foundation
import Testing

@testable import OpenADR

/// Loads the example files copied from `shared/openadr/examples` into `Fixtures/`, relative to this source file
/// (not via SwiftPM resources, so Package.swift stays unchanged).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try OpenADRJSON.decode(T.self, from: data(name))
    }

    static func json(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    static let simpleShed = "event-simple-shed.json"
    static let capacityLimit = "event-capacity-limit.json"
    static let cancelUpdate = "event-cancel-update.json"
}

/// Time helpers for tests.
func date(_ text: String) -> Date {
    guard let value = DateTime(rfc3339: text) else { fatalError("bad test date \(text)") }
    return value.date
}

extension Event {
    /// A minimal valid event: one SIMPLE level-1 hour from 2030-07-15T23:00:00Z, three more intervals following.
    static func fixture(levels: [Int] = [1, 2]) -> Event {
        Event(
            programID: "p-1",
            intervalPeriod: IntervalPeriod(
                start: DateTime(date("2030-07-15T23:00:00Z")), duration: ISODuration("PT1H")),
            intervals: levels.enumerated().map { i, level in
                Interval(id: Int32(i), payloads: [ValuesMap(.simple, [.integer(level)])])
            })
    }
}

let beforeEvents = date("2030-07-01T00:00:00Z")

/// Runs validation expecting failure and returns the reported pointers.
func pointers(_ body: () throws(OpenADRValidationError) -> Void) -> [String] {
    do {
        try body()
        return []
    } catch {
        return error.pointers
    }
}
