import Foundation
import Testing

@testable import OpenADR

@Suite struct ISODurationTests {
    @Test(arguments: [
        ("PT1H", 3600.0), ("P1D", 86_400), ("PT15M30S", 930), ("P0D", 0), ("PT0S", 0), ("-PT8H", -28_800),
        ("P2W", 1_209_600), ("P1DT12H", 129_600), ("PT1.5S", 1.5), ("P365D", 31_536_000), ("PT90M", 5400),
    ])
    func duration_ParsesToSeconds(text: String, seconds: Double) throws {
        let d = try ISODuration(parsing: text)
        #expect(d.timeInterval == seconds)
        #expect(d.description == text, "formatting keeps the components as written")
    }

    @Test(arguments: [
        "", "P", "PT", "-P", "1H", "PT1", "P1H", "PT1D", "P1DT", "P1W1D", "P1D1W", "PT1H1H", "PT1M1H",
        "p1d", "P1.5D", "PT1.S", "P 1D", "PT1H ", "P1234567890D", "P1Y2Y", "+PT1H", "PT1,5S", "P-1D",
    ])
    func duration_IsRejected_WhenMalformed(text: String) {
        #expect(throws: ISODuration.ParseError.self) { try ISODuration(parsing: text) }
        #expect(ISODuration(text) == nil)
    }

    @Test func infinity_IsP9999Y() throws {
        let d = try ISODuration(parsing: "P9999Y")
        #expect(d.isInfinite)
        #expect(d == .infinity)
        #expect(d.timeInterval == .infinity)
        #expect(d.added(to: date("2030-01-01T00:00:00Z")) == .distantFuture)
    }

    @Test func yearsAndMonths_HaveNoFixedLength_AndUseTheUTCCalendar() throws {
        let d = try ISODuration(parsing: "P1M")
        #expect(d.isCalendarDependent)
        #expect(d.timeInterval == nil)
        #expect(d.added(to: date("2030-01-31T00:00:00Z")) == date("2030-02-28T00:00:00Z"))
        #expect(try ISODuration(parsing: "P1Y").added(to: date("2030-03-01T06:00:00Z")) == date("2031-03-01T06:00:00Z"))
    }

    @Test func totalSeconds_EmitsCanonicalDayHourMinuteSecond() {
        #expect(ISODuration(totalSeconds: 3600).description == "PT1H")
        #expect(ISODuration(totalSeconds: 90).description == "PT1M30S")
        #expect(ISODuration(totalSeconds: 0).description == "PT0S")
        #expect(ISODuration(totalSeconds: -28_800).description == "-PT8H")
        #expect(ISODuration(totalSeconds: 90_061).description == "P1DT1H1M1S")
    }

    @Test func duration_CodesAsAString() throws {
        let data = try JSONEncoder().encode(["d": ISODuration(totalSeconds: 1800)])
        #expect(String(decoding: data, as: UTF8.self) == #"{"d":"PT30M"}"#)
    }
}

@Suite struct DateTimeTests {
    @Test func dateTime_AcceptsOffsetsAndFractionalSeconds() throws {
        let utc = try #require(DateTime(rfc3339: "2030-07-15T23:00:00Z"))
        #expect(DateTime(rfc3339: "2030-07-16T01:00:00+02:00") == utc)
        #expect(DateTime(rfc3339: "2030-07-15T15:00:00-08:00") == utc)
        #expect(DateTime(rfc3339: "2030-07-15t23:00:00z") == utc)
        let fractional = try #require(DateTime(rfc3339: "2030-07-15T23:00:00.250+00:00"))
        #expect(fractional.date.timeIntervalSince(utc.date) == 0.25)
        #expect(fractional.description == "2030-07-15T23:00:00.25Z")
    }

    @Test func dateTime_FormatsUTCWithoutFractionWhenWhole() {
        #expect(DateTime(date("2030-07-16T01:00:00+02:00")).description == "2030-07-15T23:00:00Z")
        #expect(DateTime(date("0001-01-01T00:00:00Z")).description == "0001-01-01T00:00:00Z")
        #expect(DateTime(date("2028-02-29T12:34:56Z")).description == "2028-02-29T12:34:56Z")
    }

    @Test(arguments: [
        "0000-00-00", "2030-07-15T23:00:00", "2030-07-15 23:00:00Z", "2030-13-01T00:00:00Z",
        "2030-02-30T00:00:00Z", "2030-07-15T24:00:00Z", "2030-07-15T23:00:00.Z", "2030-07-15T23:00:00+0200",
        "2030-07-15T23:00Z", "2030-07-15T23:00:00Zjunk",
    ])
    func dateTime_IsRejected_WhenNotRFC3339(text: String) {
        #expect(DateTime(rfc3339: text) == nil)
    }
}
