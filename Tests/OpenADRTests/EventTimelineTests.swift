import Foundation
import Testing

@testable import OpenADR

@Suite struct EventTimelineTests {
    @Test func intervals_WithoutOwnPeriod_FollowBackToBack_AndOwnPeriodOverrides() throws {
        // README §8: 00:00–00:30 (800 kW), 00:30–01:00 (650 kW), 01:00–02:00 (explicit period).
        let event = try Fixture.decode(Event.self, Fixture.capacityLimit)
        let timeline = try event.validated(now: beforeEvents).timeline
        #expect(
            timeline.intervals.map(\.start)
                == ["2030-07-16T00:00:00Z", "2030-07-16T00:30:00Z", "2030-07-16T01:00:00Z"].map(date))
        #expect(
            timeline.intervals.map(\.end)
                == ["2030-07-16T00:30:00Z", "2030-07-16T01:00:00Z", "2030-07-16T02:00:00Z"].map(date))
        #expect(timeline.intervals.map(\.id) == [0, 1, 2])
        #expect(timeline.start == date("2030-07-16T00:00:00Z"))
        #expect(timeline.end == date("2030-07-16T02:00:00Z"))
    }

    @Test func interval_WithOwnStartButNoDuration_TakesTheEventDuration() throws {
        var event = Event.fixture()
        event.intervals[1].intervalPeriod = IntervalPeriod(start: DateTime(date("2030-07-16T03:00:00Z")))
        let timeline = try event.validated(now: beforeEvents).timeline
        #expect(timeline.intervals[1].start == date("2030-07-16T03:00:00Z"))
        #expect(timeline.intervals[1].end == date("2030-07-16T04:00:00Z"))
    }

    @Test func interval_AfterAnExplicitOne_FollowsItNotTheEventStart() throws {
        var event = Event.fixture(levels: [1, 2, 3])
        event.intervals[1].intervalPeriod = IntervalPeriod(
            start: DateTime(date("2030-07-16T05:00:00Z")), duration: ISODuration("PT15M"))
        let timeline = try event.validated(now: beforeEvents).timeline
        // Interval 2 inherits the event's PT1H duration but starts where interval 1 ended.
        #expect(timeline.intervals[2].start == date("2030-07-16T05:15:00Z"))
        #expect(timeline.intervals[2].end == date("2030-07-16T06:15:00Z"))
    }

    @Test func randomizeStart_IsInheritedFromTheEvent() throws {
        let event = try Fixture.decode(Event.self, Fixture.simpleShed)
        let timeline = try event.validated(now: beforeEvents).timeline
        #expect(timeline.intervals.map(\.randomizeStart) == [ISODuration("PT2M"), ISODuration("PT2M")])
    }

    @Test func activeInterval_IsStartInclusiveEndExclusive() throws {
        let event = try Fixture.decode(Event.self, Fixture.simpleShed)  // 23:00–00:00 level 1, 00:00–01:00 level 2
        let validated = try event.validated(now: beforeEvents)
        #expect(validated.activeInterval(at: date("2030-07-15T22:59:59Z")) == nil)
        #expect(validated.activeInterval(at: date("2030-07-15T23:00:00Z"))?.id == 0)
        #expect(validated.activeInterval(at: date("2030-07-15T23:59:59.999Z"))?.id == 0)
        #expect(validated.activeInterval(at: date("2030-07-16T00:00:00Z"))?.id == 1)
        #expect(validated.activeInterval(at: date("2030-07-16T00:00:00Z"))?.requests == [.simple(level: 2)])
        #expect(validated.activeInterval(at: date("2030-07-16T01:00:00Z")) == nil)
        #expect(validated.timeline.hasEnded(at: date("2030-07-16T01:00:00Z")))
        #expect(!validated.timeline.hasEnded(at: date("2030-07-16T00:59:59Z")))
    }

    @Test func activeInterval_IsNilInAGap() throws {
        let event = try Fixture.decode(Event.self, Fixture.capacityLimit)
        var gapped = event
        gapped.intervals[2].intervalPeriod?.start = DateTime(date("2030-07-16T01:30:00Z"))
        let validated = try gapped.validated(now: beforeEvents)
        #expect(validated.activeInterval(at: date("2030-07-16T01:10:00Z")) == nil)
        #expect(validated.activeInterval(at: date("2030-07-16T01:30:00Z"))?.id == 2)
    }

    @Test func activeInterval_PrefersTheLaterStart_WhenIntervalsOverlap() throws {
        var event = Event.fixture()
        event.intervals[1].intervalPeriod = IntervalPeriod(
            start: DateTime(date("2030-07-15T23:30:00Z")), duration: ISODuration("PT10M"))
        let validated = try event.validated(now: beforeEvents)
        #expect(validated.activeInterval(at: date("2030-07-15T23:29:59Z"))?.id == 0)
        #expect(validated.activeInterval(at: date("2030-07-15T23:30:00Z"))?.id == 1)
        #expect(validated.activeInterval(at: date("2030-07-15T23:40:00Z"))?.id == 0)
    }

    @Test func nextBoundary_IsTheNextStartOrEnd() throws {
        let validated = try Fixture.decode(Event.self, Fixture.simpleShed).validated(now: beforeEvents)
        #expect(validated.timeline.nextBoundary(after: beforeEvents) == date("2030-07-15T23:00:00Z"))
        #expect(validated.timeline.nextBoundary(after: date("2030-07-15T23:00:00Z")) == date("2030-07-16T00:00:00Z"))
        #expect(validated.timeline.nextBoundary(after: date("2030-07-16T01:00:00Z")) == nil)
    }

    @Test func cancelUpdate_ReleasesTheSecondInterval() throws {
        let validated = try Fixture.decode(Event.self, Fixture.cancelUpdate).validated(
            now: date("2030-07-15T23:41:09Z"))
        #expect(validated.activeInterval(at: date("2030-07-16T00:10:00Z"))?.requests == [.simple(level: 0)])
    }
}
