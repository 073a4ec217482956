import Events
import Foundation
import Logging
import OpenADR
import Postgres
import Reports

/// Posts Curtail's report objects on mirrored events to the upstream VTN's `/reports`.
///
/// The reports are the ones ``ReportPublisher`` keeps current in the local store (`client_name` `curtail`); each
/// goes upstream with the upstream's program and event ids and the registered `venName` as `clientName`,
/// validated like any report. The first time it is POSTed (or, when the upstream already holds one by this VEN
/// for that event, e.g. after a crash between POST and bookkeeping, PUT over it); every newer local version is
/// PUT over the same upstream report, so the upstream sees one rolling report per event, never duplicates.
/// A failed attempt is retried with exponential backoff (2 s doubling, at most 10 min), up to ``maxAttempts``
/// times; state is in `ven_report_uplinks`.
struct VENReportUplink: Sendable {
    /// Attempts per report version before giving up (with the 10-minute cap, about two and a half hours); an
    /// upstream that refuses a report for good (e.g. on an event it deleted) is not asked forever.
    static let maxAttempts = 20

    let pool: PostgresPool
    let upstream: UpstreamVTN
    let logger: Logger

    struct Due {
        let localID: String
        let report: Report
        let modifiedAt: Date
        let upstreamReportID: String?
        let upstreamEventID: String
        let upstreamProgramID: String
        let attempts: Int
    }

    /// Sends every due report. - Returns: how many the upstream accepted.
    @discardableResult
    func uplinkDue() async throws -> Int {
        let rows = try await pool.query(
            """
            SELECT r.id, r.object::text AS object, r.modified_at, u.upstream_report_id, COALESCE(u.attempts, 0) AS attempts,
                   me.upstream_id AS upstream_event_id, mp.upstream_id AS upstream_program_id
            FROM reports r
            JOIN ven_mirror me ON me.object_type = 'EVENT' AND me.local_id = r.event_id
            JOIN ven_mirror mp ON mp.object_type = 'PROGRAM' AND mp.local_id = r.program_id
            LEFT JOIN ven_report_uplinks u ON u.local_report_id = r.id
            WHERE r.client_name = \(ReportStore.clientName)
              AND (u.local_report_id IS NULL OR u.uplinked_modified_at IS NULL OR u.uplinked_modified_at < r.modified_at)
              AND COALESCE(u.next_attempt_at, now()) <= now() AND COALESCE(u.attempts, 0) < \(Self.maxAttempts)
            ORDER BY r.modified_at LIMIT 50
            """)
        var sent = 0
        for row in rows {
            let due = Due(
                localID: try row.decode(String.self, column: "id"),
                report: try row.decode(PostgresJSON<Report>.self, column: "object").value,
                modifiedAt: try row.decode(Date.self, column: "modified_at"),
                upstreamReportID: try row.decode(String?.self, column: "upstream_report_id"),
                upstreamEventID: try row.decode(String.self, column: "upstream_event_id"),
                upstreamProgramID: try row.decode(String.self, column: "upstream_program_id"),
                attempts: try row.decode(Int.self, column: "attempts"))
            do {
                let upstreamID = try await send(due)
                try await pool.execute(
                    """
                    INSERT INTO ven_report_uplinks (local_report_id, upstream_report_id, uplinked_modified_at, attempts, next_attempt_at, last_error)
                    VALUES (\(due.localID), \(upstreamID), \(due.modifiedAt), 0, now(), NULL)
                    ON CONFLICT (local_report_id) DO UPDATE SET upstream_report_id = EXCLUDED.upstream_report_id,
                        uplinked_modified_at = EXCLUDED.uplinked_modified_at, attempts = 0, next_attempt_at = now(), last_error = NULL
                    """)
                sent += 1
                logger.info("report posted upstream", metadata: ["event_id": "\(due.upstreamEventID)", "report_id": "\(upstreamID)"])
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let attempts = due.attempts + 1
                let delay = min(600, 2 * pow(2, Double(min(attempts - 1, 20))))
                try await pool.execute(
                    """
                    INSERT INTO ven_report_uplinks (local_report_id, attempts, next_attempt_at, last_error)
                    VALUES (\(due.localID), \(attempts), now() + make_interval(secs => \(delay)), \("\(error)".prefix(500).description))
                    ON CONFLICT (local_report_id) DO UPDATE SET attempts = EXCLUDED.attempts,
                        next_attempt_at = EXCLUDED.next_attempt_at, last_error = EXCLUDED.last_error
                    """)
                logger.log(
                    level: attempts >= Self.maxAttempts ? .error : .warning,
                    attempts >= Self.maxAttempts ? "report upload abandoned" : "report upload failed; will retry", metadata: ["event_id": "\(due.upstreamEventID)", "attempt": "\(attempts)", "error": "\(error)"])
            }
        }
        return sent
    }

    /// POSTs or PUTs one report. - Returns: the upstream report's id.
    private func send(_ due: Due) async throws -> String {
        var report = due.report
        report.id = nil
        report.createdDateTime = nil
        report.modificationDateTime = nil
        report.objectType = nil
        report.programID = due.upstreamProgramID
        report.eventID = due.upstreamEventID
        report.clientName = upstream.configuration.venName
        let body = try report.validated()
        var target = due.upstreamReportID
        if target == nil {
            let venName = UpstreamVTN.query(upstream.configuration.venName)
            target = try await upstream.getAll("/reports?eventID=\(UpstreamVTN.query(due.upstreamEventID))&clientName=\(venName)", as: Report.self)
                .first { $0.clientName == upstream.configuration.venName }?.id
        }
        if let target {
            do {
                return try await upstream.send(.put, "/reports/\(target)", body).id ?? target
            } catch let failure as UpstreamVTN.Failure where failure.status == 404 {}
        }
        guard let id = try await upstream.send(.post, "/reports", body).id else {
            throw VENLinkError("the upstream did not return a report id")
        }
        return id
    }
}
