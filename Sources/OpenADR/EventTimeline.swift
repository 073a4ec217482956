import Foundation

/// The concrete, resolved timeline of a validated event: its intervals in array order with absolute times.
///
/// Built by ``Event/validated(now:limits:)`` per README §8: an interval's period is its own `intervalPeriod`,
/// else the event's; the first interval starts at its own start or the event's; each later interval without its
/// own start begins where the previous one (in array order) ended. Gaps and overlaps are possible when intervals
/// carry their own starts. Never empty.
public struct EventTimeline: Sendable, Hashable {
    /// The intervals in array order (not necessarily sorted by start).
    public let intervals: [ResolvedInterval]
    /// The earliest interval start.
    public let start: Date
    /// The latest interval end (`Date.distantFuture` when an interval is infinite).
    public let end: Date

    init(intervals: [ResolvedInterval]) {
        precondition(!intervals.isEmpty, "a timeline has at least one interval")
        self.intervals = intervals
        self.start = intervals.map(\.start).min()!
        self.end = intervals.map(\.end).max()!
    }

    /// The interval in force at `date` (start inclusive, end exclusive), or `nil` in a gap, before the first start
    /// or from the last end on. When intervals overlap, the one that started last wins (the most recent
    /// instruction); on equal starts, the later one in array order.
    public func activeInterval(at date: Date) -> ResolvedInterval? {
        var best: ResolvedInterval?
        for interval in intervals where interval.contains(date) {
            if let current = best, current.start > interval.start { continue }
            best = interval
        }
        return best
    }

    /// `true` once every interval has ended (`date >= end`): the event is inactive and asks for nothing.
    public func hasEnded(at date: Date) -> Bool {
        date >= end
    }

    /// The first interval boundary (any start or end) strictly after `date`, or `nil` if none: when the scheduler
    /// must look again.
    public func nextBoundary(after date: Date) -> Date? {
        var next: Date?
        for interval in intervals {
            for t in [interval.start, interval.end] where t > date && t != .distantFuture {
                if next == nil || t < next! { next = t }
            }
        }
        return next
    }
}
