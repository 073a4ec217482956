import Events
import Foundation
import Logging
import Observability
import OpenADR
import Postgres
import Reports

/// Keeps Curtail's OpenADR report objects current: every `period`, for each event that started and ended less than
/// `horizon` ago, it refreshes the measurements and, when an interval has been frozen since the last publication
/// (the end of each interval, and the event's end), stores the event's report through the VTN (created the first
/// time, then replaced: a rolling report), so `GET /openadr3/3.0.1/reports?eventID=` returns it and subscribers are
/// notified. The report is owned by the event's owner, with `clientName` `curtail`. A deleted event is still measured
/// but gets no report object (the VTN has forgotten it and refuses one), and one event's failure does not stop the
/// others being published.
public struct ReportPublisher: Sendable {
    let pool: PostgresPool
    let reports: ReportStore
    let store: OpenADRStore
    let metrics: MetricsRegistry
    let logger: Logger
    var period: Duration = .seconds(15)
    var horizon: TimeInterval = 3 * 3600
    /// Commands come first: while this says the reconciler is busy, measuring waits, but never more than
    /// `maxDeferral` since the last pass. At 100,000 vehicles a measurement takes seconds of the database's time,
    /// which the first minute of an event needs for commanding.
    let commandsFirst: @Sendable () -> Bool
    var maxDeferral: Duration = .seconds(60)

    public init(
        pool: PostgresPool, metrics: MetricsRegistry, commandsFirst: @escaping @Sendable () -> Bool = { false },
        logger: Logger = Logger(label: "curtail.reports")
    ) {
        self.pool = pool
        self.commandsFirst = commandsFirst
        self.reports = ReportStore(pool: pool, logger: logger)
        self.store = OpenADRStore(pool: pool)
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async {
        var costs: [String: TimeInterval] = [:]
        var lastPass = ContinuousClock.now - maxDeferral
        while !Task.isCancelled {
            if commandsFirst() && ContinuousClock.now - lastPass < maxDeferral {
                try? await Task.sleep(for: period)
                continue
            }
            lastPass = ContinuousClock.now
            do {
                _ = try await publishOnce(now: Date(), costs: &costs)
            } catch is CancellationError {
                return
            } catch {
                logger.error("report publication failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await Task.sleep(for: period)
        }
    }

    /// One pass; returns the ids of the events whose report object was (re)published.
    @discardableResult
    public func publishOnce(now: Date) async throws -> [String] {
        var costs: [String: TimeInterval] = [:]
        return try await publishOnce(now: now, costs: &costs)
    }

    /// `costs`: the last measurement time per event; a running interval is re-measured at most every 10 s, or every
    /// ten times its measurement time for large fleets (about 50 s at 100,000 vehicles), so measuring never takes
    /// more than a tenth of the database's time.
    func publishOnce(now: Date, costs: inout [String: TimeInterval]) async throws -> [String] {
        let rows = try await pool.query(
            """
            SELECT id, owner::text AS owner, deleted_at IS NOT NULL AS deleted FROM events
            WHERE starts_at <= \(now) AND least(ends_at, coalesce(cancelled_at, ends_at)) > \(now.addingTimeInterval(-horizon))
            ORDER BY starts_at
            """)
        var published: [String] = []
        let active = try await pool.query(
            "SELECT count(*)::int AS n FROM events WHERE cancelled_at IS NULL AND deleted_at IS NULL AND starts_at <= \(now) AND ends_at > \(now)")
        metrics.set("curtail_events_active", help: "Events in progress.", to: Double(try active.first?.decode(Int.self, column: "n") ?? 0))
        for row in rows {
            let id = try row.decode(String.self, column: "id"), owner = try row.decode(String.self, column: "owner")
            let deleted = try row.decode(Bool.self, column: "deleted")
            do {
                if try await publish(eventID: id, owner: owner, deleted: deleted, now: now, costs: &costs) { published.append(id) }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.error("report publication failed", metadata: ["event_id": "\(id)", "error": "\(error)"])
            }
        }
        return published
    }

    /// Measures one event and, when an interval became final, (re)publishes its report object; `true` if it did.
    private func publish(eventID id: String, owner: String, deleted: Bool, now: Date, costs: inout [String: TimeInterval]) async throws -> Bool {
        let started = ContinuousClock.now
        let measured = try await reports.refresh(eventID: id, now: now, maxAge: max(10, 10 * (costs[id] ?? 0)))
        if measured > 0 {
            let elapsed = ContinuousClock.now - started
            costs[id] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.observe(
                "curtail_report_refresh_duration_seconds", help: "Time to re-measure an event's running or newly ended intervals.",
                value: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            metrics.increment("curtail_report_windows_measured_total", help: "Event intervals and rebound bins measured.", by: Double(measured))
        }
        guard !deleted else { return false }
        let state = try await pool.query(
            """
            SELECT (SELECT count(*)::int FROM report_intervals WHERE event_id = \(id) AND final) AS final_count,
                   e.openadr_report_id, coalesce(e.published_count, 0) AS published_count
            FROM (SELECT 1) one LEFT JOIN report_events e ON e.event_id = \(id)
            """)
        guard let first = state.first else { return false }
        let finalCount = try first.decode(Int.self, column: "final_count")
        let publishedCount = try first.decode(Int.self, column: "published_count")
        guard finalCount > publishedCount else { return false }
        let report = try await reports.openADRReport(eventID: id, now: now)
        let viewer = Viewer(clientKey: owner, seesAll: true)
        let stored: Report
        if let existing = try first.decode(String?.self, column: "openadr_report_id"),
            let replaced = try? await store.replaceReport(id: existing, with: report, viewer: viewer)
        {
            stored = replaced
        } else {
            stored = try await store.createReport(report, viewer: viewer)
        }
        try await pool.execute(
            """
            INSERT INTO report_events (event_id, openadr_report_id, published_count) VALUES (\(id), \(stored.id), \(finalCount))
            ON CONFLICT (event_id) DO UPDATE SET openadr_report_id = EXCLUDED.openadr_report_id, published_count = EXCLUDED.published_count
            """)
        metrics.increment("curtail_reports_published_total", help: "OpenADR report objects published for events.")
        return true
    }
}
