import Foundation
import OpenADR

/// An event body ready to store: the event, its resolved window, and whether it cancels the event.
///
/// Build one from a ``ValidatedEvent`` (the normal case) or, for a PUT, with ``cancellation(_:now:limits:)``.
public struct EventWrite: Sendable, Hashable {
    public var event: Event
    /// The resolved timeline's first start.
    public var startsAt: Date
    /// The resolved timeline's last end (`Date.distantFuture` for `P9999Y`).
    public var endsAt: Date
    /// True when this write cancels the event (its window collapsed into the past).
    public var cancels: Bool

    public init(_ validated: ValidatedEvent) {
        event = validated.event
        startsAt = validated.timeline.start
        endsAt = validated.timeline.end
        cancels = false
    }

    /// Recognises the 3.1 User Guide's cancellation by update: a PUT whose whole window lies in the past
    /// (typically `start: 0001-01-01T00:00:00Z`, `duration: PT0S`). Such a body fails ordinary validation (an
    /// event wholly in the past, a zero-length shed), so it is checked here with every other rule kept: it is a
    /// cancellation when validating it as of the distant past finds no issue except zero-length intervals, and
    /// every interval has ended at `now`.
    /// - Returns: the write, marked ``cancels``, or `nil` when `event` is not that shape.
    public static func cancellation(_ event: Event, now: Date, limits: OpenADRLimits = .default) -> EventWrite? {
        var starts: [Date] = []
        var ends: [Date] = []
        var previousEnd: Date?
        for (i, interval) in event.intervals.enumerated() {
            let start = interval.intervalPeriod?.start.date ?? (i == 0 ? event.intervalPeriod?.start.date : previousEnd)
            let duration = interval.intervalPeriod?.duration ?? event.intervalPeriod?.duration ?? .zero
            guard let start, let seconds = duration.timeInterval, seconds.isFinite, seconds >= 0 else { return nil }
            let end = start.addingTimeInterval(seconds)
            guard end <= now else { return nil }
            starts.append(start)
            ends.append(end)
            previousEnd = end
        }
        guard let first = starts.min(), let last = ends.max() else { return nil }
        do {
            _ = try event.validated(now: .distantPast, limits: limits)
        } catch {
            // Zero-length shed intervals are reported at the interval itself (`/intervals/3`); nothing else may fail.
            let others = error.issues.filter { issue in
                let parts = issue.pointer.split(separator: "/")
                return !(parts.count == 2 && parts[0] == "intervals" && Int(parts[1]) != nil)
            }
            guard others.isEmpty else { return nil }
        }
        var write = EventWrite(event: event, startsAt: first, endsAt: last, cancels: true)
        write.event = event
        return write
    }

    init(event: Event, startsAt: Date, endsAt: Date, cancels: Bool) {
        self.event = event
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.cancels = cancels
    }
}
