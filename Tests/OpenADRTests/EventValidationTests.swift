import Foundation
import Testing

@testable import OpenADR

@Suite struct EventValidationTests {
    func issues(_ event: Event, now: Date = beforeEvents, limits: OpenADRLimits = .default) -> [String] {
        pointers { () throws(OpenADRValidationError) in _ = try event.validated(now: now, limits: limits) }
    }

    @Test func examples_AreValid() throws {
        for name in [Fixture.simpleShed, Fixture.capacityLimit, Fixture.cancelUpdate] {
            let event = try Fixture.decode(Event.self, name)
            let validated = try event.validated(now: beforeEvents)
            #expect(validated.notActedOn.isEmpty)
            #expect(validated.isActionable)
        }
    }

    @Test func event_IsRejected_WhenProgramIDMalformed() {
        var event = Event.fixture()
        event.programID = "p 1/../"
        #expect(issues(event) == ["/programID"])
        event.programID = ""
        #expect(issues(event) == ["/programID"])
    }

    @Test func event_IsRejected_WhenNoIntervals() {
        var event = Event.fixture()
        event.intervals = []
        #expect(issues(event) == ["/intervals"])
    }

    @Test func event_IsRejected_WhenAllIntervalsEnded() {
        let event = Event.fixture()  // 23:00–01:00
        #expect(issues(event, now: date("2030-07-16T01:00:00Z")) == ["/intervals"])
        #expect(issues(event, now: date("2030-07-16T00:59:59Z")).isEmpty, "one interval still running")
    }

    @Test func event_IsAccepted_WhenInfiniteEvenIfStartedLongAgo() throws {
        var event = Event.fixture(levels: [2])
        event.intervalPeriod = IntervalPeriod(start: DateTime(date("0001-01-01T00:00:00Z")), duration: .infinity)
        let validated = try event.validated(now: date("2030-07-16T00:00:00Z"))
        #expect(validated.timeline.end == .distantFuture)
        #expect(validated.activeInterval(at: date("2030-07-16T00:00:00Z"))?.requests == [.simple(level: 2)])
    }

    @Test func event_IsRejected_WhenIntervalIDsRepeat() {
        var event = Event.fixture(levels: [1, 2, 3])
        event.intervals[2].id = 0
        #expect(issues(event) == ["/intervals/2/id"])
    }

    @Test func event_IsRejected_WhenNoPeriodAnywhere() {
        var event = Event.fixture()
        event.intervalPeriod = nil
        #expect(issues(event) == ["/intervals/0/intervalPeriod", "/intervals/1/intervalPeriod"])
    }

    @Test func event_IsAccepted_WhenEveryIntervalHasItsOwnPeriod() throws {
        var event = Event.fixture()
        event.intervalPeriod = nil
        event.intervals[0].intervalPeriod = IntervalPeriod(
            start: DateTime(date("2030-07-15T23:00:00Z")), duration: ISODuration("PT30M"))
        event.intervals[1].intervalPeriod = IntervalPeriod(
            start: DateTime(date("2030-07-16T02:00:00Z")), duration: ISODuration("PT15M"))
        let timeline = try event.validated(now: beforeEvents).timeline
        #expect(timeline.intervals.map(\.end) == [date("2030-07-15T23:30:00Z"), date("2030-07-16T02:15:00Z")])
    }

    @Test func event_IsRejected_WhenActionableDurationIsZero() {
        var event = Event.fixture()
        event.intervalPeriod?.duration = nil  // defaults to PT0S
        #expect(issues(event) == ["/intervals/0", "/intervals/1"])
        event.intervalPeriod?.duration = ISODuration("PT0S")
        #expect(issues(event) == ["/intervals/0", "/intervals/1"])
    }

    @Test func event_IsRejected_WhenDurationNegativeOrCalendarBased() {
        var event = Event.fixture()
        event.intervalPeriod?.duration = ISODuration("-PT1H")
        #expect(issues(event) == ["/intervalPeriod/duration"])
        event.intervalPeriod?.duration = ISODuration("PT1H")
        event.intervals[1].intervalPeriod = IntervalPeriod(
            start: DateTime(date("2030-07-16T00:00:00Z")), duration: ISODuration("P1M"))
        #expect(issues(event) == ["/intervals/1/intervalPeriod/duration"])
        event.intervals[1].intervalPeriod = nil
        event.intervalPeriod?.randomizeStart = ISODuration("-PT5M")
        #expect(issues(event) == ["/intervalPeriod/randomizeStart"])
    }

    @Test func event_IsRejected_WhenIntervalFollowsAnInfiniteOneWithoutAStart() {
        var event = Event.fixture()
        event.intervalPeriod?.duration = .infinity
        #expect(issues(event) == ["/intervals/1/intervalPeriod"])
    }

    @Test func event_IsRejected_WhenPriorityNegative() {
        var event = Event.fixture()
        event.priority = -1
        #expect(issues(event) == ["/priority"])
        event.priority = 0
        #expect(issues(event).isEmpty)
    }

    @Test(arguments: [ValuesMap.Value.integer(4), .integer(-1), .number(1.5), .string("1"), .boolean(true)])
    func simple_IsRejected_WhenNotAnIntegerFrom0To3(value: ValuesMap.Value) {
        var event = Event.fixture()
        event.intervals[1].payloads = [ValuesMap(.simple, [value])]
        #expect(issues(event) == ["/intervals/1/payloads/0/values/0"])
    }

    @Test func simple_IsAccepted_WhenWrittenWithADecimalPoint() throws {
        var event = Event.fixture()
        event.intervals[1].payloads = [ValuesMap(.simple, [.number(3.0)])]
        let validated = try event.validated(now: beforeEvents)
        #expect(validated.timeline.intervals[1].requests == [.simple(level: 3)])
    }

    @Test func simple_IsRejected_WhenNotExactlyOneValue() {
        var event = Event.fixture()
        event.intervals[0].payloads = [ValuesMap(.simple, [1, 2])]
        event.intervals[1].payloads = [ValuesMap(.simple, [])]
        #expect(issues(event) == ["/intervals/0/payloads/0/values", "/intervals/1/payloads/0/values"])
    }

    @Test func actionablePayload_IsRejected_WhenRepeatedInOneInterval() {
        var event = Event.fixture()
        event.intervals[0].payloads.append(ValuesMap(.simple, [2]))
        #expect(issues(event) == ["/intervals/0/payloads/1/type"])
    }

    @Test(arguments: [ValuesMap.Value.number(-0.5), .string("800"), .number(.infinity)])
    func capacityLimit_IsRejected_WhenNotANonNegativeNumber(value: ValuesMap.Value) {
        var event = Event.fixture()
        event.intervals[0].payloads = [ValuesMap(.importCapacityLimit, [value])]
        #expect(issues(event) == ["/intervals/0/payloads/0/values/0"])
    }

    @Test func capacityLimit_IsRejected_WhenDescriptorUnitsAreNotKW() {
        var event = Event.fixture()
        event.payloadDescriptors = [EventPayloadDescriptor(payloadType: .importCapacityLimit, units: .kwh)]
        event.intervals[0].payloads = [ValuesMap(.importCapacityLimit, [500])]
        #expect(issues(event) == ["/payloadDescriptors/0/units"])
    }

    @Test func capacityLimit_ResolvesToKW() throws {
        let event = try Fixture.decode(Event.self, Fixture.capacityLimit)
        let requests = try event.validated(now: beforeEvents).timeline.intervals.map(\.requests)
        #expect(
            requests == [
                [.importCapacityLimit(kW: 800)], [.importCapacityLimit(kW: 650)], [.importCapacityLimit(kW: 800)],
            ])
    }

    @Test func unknownPayloadType_IsKeptAndFlagged_NotRejected() throws {
        var event = Event.fixture()
        event.intervals[0].payloads.append(ValuesMap(.price, [0.31]))
        event.intervals[1].payloads.append(ValuesMap(type: "UTILITY_PRIVATE_X", values: ["anything", true]))
        let validated = try event.validated(now: beforeEvents)
        #expect(validated.notActedOn.map(\.pointer) == ["/intervals/0/payloads/1", "/intervals/1/payloads/1"])
        #expect(validated.timeline.intervals[0].requests == [.simple(level: 1), .unsupported(type: .price)])
        #expect(validated.event == event, "payloads are kept as sent")
    }

    @Test func event_WithOnlyUnknownPayloads_MayBeInstantaneous() throws {
        var event = Event.fixture(levels: [1])
        event.intervalPeriod?.duration = nil
        event.intervals[0].payloads = [ValuesMap(.price, [0.31])]
        let validated = try event.validated(now: beforeEvents)
        #expect(!validated.isActionable)
    }

    @Test func targets_AreRejected_WhenKnownTypeHoldsNonStrings() {
        var event = Event.fixture()
        event.targets = [
            ValuesMap(.group, ["fleet-a"]),
            ValuesMap(type: "RESOURCE_NAME", values: [.integer(7)]),
            ValuesMap(type: "VEN_NAME", values: []),
            ValuesMap(type: "", values: ["x"]),
            ValuesMap(type: "PRIVATE_ZONE", values: [.integer(7)]),
        ]
        #expect(issues(event) == ["/targets/1/values/0", "/targets/2/values", "/targets/3/type"])
    }

    @Test func lists_AreRejected_WhenOverTheirLimits() {
        var event = Event.fixture(levels: Array(repeating: 1, count: 1001))
        #expect(issues(event) == ["/intervals"])
        event = Event.fixture()
        event.targets = [ValuesMap(.group, (0...10_000).map { "g\($0)" })]
        #expect(issues(event) == ["/targets"])
        event.targets = nil
        #expect(issues(Event.fixture(levels: [1, 2, 3]), limits: OpenADRLimits(maxIntervals: 2)) == ["/intervals"])
    }

    @Test func allIssues_AreReportedTogether_InDocumentOrder() {
        var event = Event.fixture()
        event.priority = -3
        event.intervals[1].id = 0
        event.intervals[1].payloads = [ValuesMap(.simple, [9])]
        #expect(issues(event) == ["/priority", "/intervals/1/id", "/intervals/1/payloads/0/values/0"])
    }
}
