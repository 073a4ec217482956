import Foundation
import HTTP
import Logging
import Postgres
import Reports

/// Event measurement and the operator dashboard: `GET /v1/events`, `GET /v1/events/{id}/report` (JSON, or CSV with
/// `Accept: text/csv`), `GET /v1/events/{id}/vehicles` (per-vehicle drill-down) and `GET /dashboard`.
/// The API routes need `fleet_read`; the dashboard page itself is public (it holds no data: it asks for a token).
public struct ReportRoutes: Sendable {
    let store: ReportStore
    let authenticator: Authenticator

    public init(pool: PostgresPool, authenticator: Authenticator, logger: Logger) {
        self.store = ReportStore(pool: pool, logger: logger)
        self.authenticator = authenticator
    }

    public func register(on router: inout Router) {
        router.get("/v1/events") { request, _ in
            _ = try await authenticator.authorize(request, .fleetRead)
            let page = try Page(request.query)
            return try .json(encoding: try await store.events(skip: page.skip, limit: page.limit))
        }
        router.get("/v1/events/:id/report") { request, context in
            _ = try await authenticator.authorize(request, .fleetRead)
            let report = try await report(try context.parameter("id"))
            if Self.wantsCSV(request) {
                return HTTPResponse(
                    status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store"],
                    body: Array(ReportCSV.render(report).utf8))
            }
            var response = try HTTPResponse.json(encoding: report)
            response.headers["Cache-Control"] = "no-store"
            return response
        }
        router.get("/v1/events/:id/vehicles") { request, context in
            _ = try await authenticator.authorize(request, .fleetRead)
            let id = try context.parameter("id")
            let page = try Page(request.query)
            _ = try await report(id)  // 404 for an unknown event; refreshes stale measurements
            return try .json(encoding: try await store.vehicles(eventID: id, skip: page.skip, limit: page.limit, state: request.query["state"]))
        }
        router.get("/dashboard") { _, _ in
            HTTPResponse(
                status: .ok,
                headers: [
                    "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                    // Inline script and style only; the page talks to this origin and nothing else.
                    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
                    "Referrer-Policy": "no-referrer",
                ],
                body: Array(Dashboard.html.utf8))
        }
    }

    private func report(_ id: String) async throws -> EventReport {
        do {
            // Measuring is the report publisher's job (every process runs it, ReportPublisher): a request only reads
            // the rolled-up rows, and measures a window only if it was never measured (an event nobody watched).
            return try await store.report(eventID: id, maxAge: ReportStore.unmeasuredOnly)
        } catch ReportStore.Failure.eventNotFound {
            throw APIError.notFound("Event \(id)")
        }
    }

    static func wantsCSV(_ request: HTTPRequest) -> Bool {
        if request.query["format"] == "csv" { return true }
        guard let accept = request.headers["Accept"]?.lowercased() else { return false }
        return accept.contains("text/csv") && !accept.hasPrefix("application/json")
    }
}

/// The report as CSV (RFC 4180): one row per interval, participation counts in one column per state.
public enum ReportCSV {
    public static func render(_ report: EventReport) -> String {
        let states = Set(report.intervals.flatMap { $0.participation.keys }).sorted()
        var header = [
            "event_id", "index", "start", "duration", "requested_type", "requested_value", "baseline_kw", "measured_kw", "curtailed_kw",
            "curtailed_kwh", "control_estimate_kw", "control_ci95_low", "control_ci95_high", "final",
        ]
        header += states.map { "participation_\($0)" }
        var lines = [header.map(field).joined(separator: ",")]
        let formatter = ISO8601DateFormatter()
        for interval in report.intervals {
            var row = [
                report.event_id, String(interval.index), formatter.string(from: interval.start), interval.duration,
                interval.requested?.type ?? "", interval.requested.map { number($0.value) } ?? "", number(interval.baseline_kw),
                number(interval.measured_kw), number(interval.curtailed_kw), number(interval.curtailed_kwh),
                interval.control_estimate_kw.map { number($0.kw) } ?? "", interval.control_estimate_kw.map { number($0.ci95[0]) } ?? "",
                interval.control_estimate_kw.map { number($0.ci95[1]) } ?? "", interval.final ? "true" : "false",
            ]
            row += states.map { String(interval.participation[$0] ?? 0) }
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.3f", value) }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
