import Foundation
import OpenADR
import Postgres

extension OpenADRStore {
    /// Stores a new event in program `write.event.programID`, which `viewer` must see. The event belongs to the
    /// program's owner (an operator creating an event in a tenant's program creates it for that tenant).
    /// - Throws: ``OpenADRStoreError`` `invalidReference` at `/programID` for an unknown (or another tenant's)
    ///   program.
    /// - Parameter id: the id to store it under; a fresh one by default (VEN mode passes the mirror's id, so a
    ///   retried create of the same upstream event is a primary-key clash rather than a duplicate).
    public func createEvent(_ write: EventWrite, viewer: Viewer, id: String? = nil) async throws -> Event {
        var event = write.event
        let now = now()
        event.id = id ?? Self.newID()
        event.createdDateTime = now
        event.modificationDateTime = now
        event.objectType = .event
        let stored = event
        try await pool.withTransaction { connection in
            let owner = try await programOwner(stored.programID, viewer: viewer, on: connection)
            try await connection.query(
                """
                INSERT INTO events (id, owner, program_id, event_name, priority, starts_at, ends_at, object,
                                    created_at, modified_at, cancelled_at)
                VALUES (\(stored.id!), \(owner)::uuid, \(stored.programID), \(stored.eventName), \(stored.priority),
                        \(write.startsAt), \(write.endsAt), \(PostgresJSON(stored))::jsonb, \(now.date), \(now.date),
                        \(write.cancels ? now.date : nil))
                """)
            try await connection.query("SELECT pg_notify(\(Self.eventsChannel), \(stored.id!))")
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .event(stored), programID: stored.programID, owners: [owner],
                targets: stored.targets)
        }
        return stored
    }

    /// The live event `id`, if `viewer` may see it. - Throws: ``OpenADRStoreError`` `notFound`.
    public func event(id: String, viewer: Viewer) async throws -> Event {
        let rows = try await pool.query(
            """
            SELECT object::text AS object FROM events
            WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            """)
        guard let event = try rows.objects(Event.self).first else { throw OpenADRStoreError.notFound("Event", id) }
        return event
    }

    /// The live events `viewer` may see, filtered by `programID` and targets, in creation order.
    public func events(_ query: ListQuery, viewer: Viewer) async throws -> [Event] {
        try await pool.query(
            """
            SELECT object::text AS object FROM events
            WHERE deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
              AND (\(query.programID)::text IS NULL OR program_id = \(query.programID))
              AND (\(query.targetType)::text IS NULL OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(object->'targets', '[]'::jsonb)) t
                    WHERE t->>'type' = \(query.targetType) AND t->'values' ?| \(query.targetValues)::text[]))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(Event.self)
    }

    /// Replaces event `id` (PUT). Bumps `revision`; sets `cancelled_at` when `write.cancels`, clears it otherwise.
    /// - Throws: ``OpenADRStoreError`` `notFound`; `invalidReference` at `/programID` for an unknown program.
    public func replaceEvent(id: String, with write: EventWrite, viewer: Viewer) async throws -> Event {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT object::text AS object FROM events
                WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let previous = try rows.objects(Event.self).first else {
                throw OpenADRStoreError.notFound("Event", id)
            }
            let owner = try await programOwner(write.event.programID, viewer: viewer, on: connection)
            var event = write.event
            event.id = id
            event.createdDateTime = previous.createdDateTime
            event.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            event.objectType = .event
            let modified = event.modificationDateTime!.date
            try await connection.query(
                """
                UPDATE events SET owner = \(owner)::uuid, program_id = \(event.programID), event_name = \(event.eventName),
                    priority = \(event.priority), starts_at = \(write.startsAt), ends_at = \(write.endsAt),
                    object = \(PostgresJSON(event))::jsonb, modified_at = \(modified), revision = revision + 1,
                    cancelled_at = \(write.cancels ? modified : nil)
                WHERE id = \(id)
                """)
            try await connection.query("SELECT pg_notify(\(Self.eventsChannel), \(id))")
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .event(event), programID: event.programID, owners: [owner],
                targets: event.targets)
            return event
        }
    }

    /// Deletes (cancels) event `id` and returns it as it was. The row is kept, marked deleted and cancelled, for
    /// the engine (which restores the event's vehicles) and for reports; the API answers 404 for it from now on.
    public func deleteEvent(id: String, viewer: Viewer) async throws -> Event {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM events
                WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Event", id) }
            let owner = try row.decode(String.self, column: "owner")
            let event = try rows.objects(Event.self)[0]
            let now = now().date
            try await connection.query(
                """
                UPDATE events SET deleted_at = \(now), cancelled_at = COALESCE(cancelled_at, \(now)),
                    revision = revision + 1
                WHERE id = \(id)
                """)
            try await connection.query("SELECT pg_notify(\(Self.eventsChannel), \(id))")
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .event(event), programID: event.programID, owners: [owner],
                targets: event.targets)
            return event
        }
    }

    /// The owner of live program `programID` as `viewer` sees it (shared-locked so it cannot be deleted under
    /// us), or `invalidReference` at `/programID`.
    func programOwner(_ programID: String, viewer: Viewer, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT owner::text AS owner FROM programs
            WHERE id = \(programID) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            FOR SHARE
            """)
        guard let row = rows.first else {
            throw OpenADRStoreError(.invalidReference, "Program \(programID) does not exist.", pointer: "/programID")
        }
        return try row.decode(String.self, column: "owner")
    }
}
