import Foundation
import OpenADR
import Postgres

extension OpenADRStore {
    /// Stores a report posted by `viewer` (a VEN) about event `eventID`, which `viewer` must see and which must
    /// belong to `programID`. The report is readable by its author and by the event's owner (the utility).
    /// - Throws: ``OpenADRStoreError`` `invalidReference` at `/eventID` or `/programID`.
    public func createReport(_ body: Report, viewer: Viewer) async throws -> Report {
        var report = body
        let now = now()
        report.id = Self.newID()
        report.createdDateTime = now
        report.modificationDateTime = now
        report.objectType = .report
        let stored = report
        try await pool.withTransaction { connection in
            let eventOwner = try await reportedEventOwner(stored, viewer: viewer, on: connection)
            try await connection.query(
                """
                INSERT INTO reports (id, owner, event_owner, program_id, event_id, client_name, object, created_at, modified_at)
                VALUES (\(stored.id!), \(viewer.clientKey)::uuid, \(eventOwner)::uuid, \(stored.programID), \(stored.eventID),
                        \(stored.clientName), \(PostgresJSON(stored))::jsonb, \(now.date), \(now.date))
                """)
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .report(stored), programID: stored.programID,
                owners: [viewer.clientKey, eventOwner], targets: nil)
        }
        return stored
    }

    /// Report `id`, if `viewer` wrote it, owns its event, or is an operator. - Throws: `notFound`.
    public func report(id: String, viewer: Viewer) async throws -> Report {
        let rows = try await pool.query(
            """
            SELECT object::text AS object FROM reports
            WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid OR event_owner = \(viewer.clientKey)::uuid)
            """)
        guard let report = try rows.objects(Report.self).first else { throw OpenADRStoreError.notFound("Report", id) }
        return report
    }

    /// The reports `viewer` may see, filtered by `programID`, `eventID` and `clientName`, in creation order.
    public func reports(_ query: ListQuery, viewer: Viewer) async throws -> [Report] {
        try await pool.query(
            """
            SELECT object::text AS object FROM reports
            WHERE (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid OR event_owner = \(viewer.clientKey)::uuid)
              AND (\(query.programID)::text IS NULL OR program_id = \(query.programID))
              AND (\(query.eventID)::text IS NULL OR event_id = \(query.eventID))
              AND (\(query.clientName)::text IS NULL OR client_name = \(query.clientName))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(Report.self)
    }

    /// Replaces report `id` (PUT); only its author (or an operator) may. - Throws: `notFound`, `invalidReference`.
    public func replaceReport(id: String, with body: Report, viewer: Viewer) async throws -> Report {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT object::text AS object FROM reports
                WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let previous = try rows.objects(Report.self).first else {
                throw OpenADRStoreError.notFound("Report", id)
            }
            var report = body
            report.id = id
            report.createdDateTime = previous.createdDateTime
            report.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            report.objectType = .report
            let eventOwner = try await reportedEventOwner(report, viewer: viewer, on: connection)
            try await connection.query(
                """
                UPDATE reports SET event_owner = \(eventOwner)::uuid, program_id = \(report.programID),
                    event_id = \(report.eventID), client_name = \(report.clientName),
                    object = \(PostgresJSON(report))::jsonb, modified_at = \(report.modificationDateTime!.date)
                WHERE id = \(id)
                """)
            let owner = try await connection.query("SELECT owner::text AS owner FROM reports WHERE id = \(id)")
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .report(report), programID: report.programID,
                owners: [try owner[0].decode(String.self, column: "owner"), eventOwner], targets: nil)
            return report
        }
    }

    /// Deletes report `id` and returns it as it was; only its author (or an operator) may. - Throws: `notFound`.
    public func deleteReport(id: String, viewer: Viewer) async throws -> Report {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                DELETE FROM reports WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                RETURNING owner::text AS owner, event_owner::text AS event_owner, object::text AS object
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Report", id) }
            let report = try rows.objects(Report.self)[0]
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .report(report), programID: report.programID,
                owners: [
                    try row.decode(String.self, column: "owner"), try row.decode(String.self, column: "event_owner"),
                ],
                targets: nil)
            return report
        }
    }

    /// The owner of the reported event, checking that `viewer` sees it and that it belongs to `report.programID`.
    private func reportedEventOwner(_ report: Report, viewer: Viewer, on connection: PostgresConnection) async throws
        -> String
    {
        let rows = try await connection.query(
            """
            SELECT owner::text AS owner, program_id FROM events
            WHERE id = \(report.eventID) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            """)
        guard let row = rows.first else {
            throw OpenADRStoreError(.invalidReference, "Event \(report.eventID) does not exist.", pointer: "/eventID")
        }
        let programID = try row.decode(String.self, column: "program_id")
        guard programID == report.programID else {
            throw OpenADRStoreError(
                .invalidReference, "Event \(report.eventID) belongs to program \(programID), not \(report.programID).",
                pointer: "/programID")
        }
        return try row.decode(String.self, column: "owner")
    }
}
