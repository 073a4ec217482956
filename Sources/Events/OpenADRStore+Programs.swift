import Foundation
import OpenADR
import Postgres

extension OpenADRStore {
    /// Stores a new program owned by `viewer`. - Throws: ``OpenADRStoreError`` `conflict` when the tenant already
    /// has a live program of that `programName`.
    /// - Parameter id: the id to store it under; a fresh one by default (VEN mode passes the mirror's id).
    public func createProgram(_ body: Program, viewer: Viewer, id: String? = nil) async throws -> Program {
        var program = body
        let now = now()
        program.id = id ?? Self.newID()
        program.createdDateTime = now
        program.modificationDateTime = now
        program.objectType = .program
        let stored = program
        try await pool.withTransaction { connection in
            do {
                try await connection.query(
                    """
                    INSERT INTO programs (id, owner, program_name, object, created_at, modified_at)
                    VALUES (\(stored.id!), \(viewer.clientKey)::uuid, \(stored.programName), \(PostgresJSON(stored))::jsonb,
                            \(now.date), \(now.date))
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation("A program named \(stored.programName) already exists.")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .program(stored), programID: stored.id,
                owners: [viewer.clientKey], targets: stored.targets)
        }
        return stored
    }

    /// The live program `id`, if `viewer` may see it. - Throws: ``OpenADRStoreError`` `notFound`.
    public func program(id: String, viewer: Viewer) async throws -> Program {
        let rows = try await pool.query(
            """
            SELECT object::text AS object FROM programs
            WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            """)
        guard let program = try rows.objects(Program.self).first else {
            throw OpenADRStoreError.notFound("Program", id)
        }
        return program
    }

    /// The programs `viewer` may see, filtered by targets, in creation order.
    public func programs(_ query: ListQuery, viewer: Viewer) async throws -> [Program] {
        try await pool.query(
            """
            SELECT object::text AS object FROM programs
            WHERE deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
              AND (\(query.targetType)::text IS NULL OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(object->'targets', '[]'::jsonb)) t
                    WHERE t->>'type' = \(query.targetType) AND t->'values' ?| \(query.targetValues)::text[]))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(Program.self)
    }

    /// Replaces program `id` with `body` (PUT: the whole object; the path id wins).
    /// - Throws: ``OpenADRStoreError`` `notFound`, or `conflict` for a name another live program of the tenant has.
    public func replaceProgram(id: String, with body: Program, viewer: Viewer) async throws -> Program {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM programs
                WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Program", id) }
            let owner = try row.decode(String.self, column: "owner")
            let previous = try rows.objects(Program.self)[0]
            var program = body
            program.id = id
            program.createdDateTime = previous.createdDateTime
            program.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            program.objectType = .program
            do {
                try await connection.query(
                    """
                    UPDATE programs SET program_name = \(program.programName), object = \(PostgresJSON(program))::jsonb,
                        modified_at = \(program.modificationDateTime!.date)
                    WHERE id = \(id)
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation("A program named \(program.programName) already exists.")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .program(program), programID: id, owners: [owner],
                targets: program.targets)
            return program
        }
    }

    /// Deletes program `id` and returns it as it was. Refused (`conflict`) while the program has events that are
    /// not deleted: the BL deletes (cancels) them first, so deleting a program never silently ends an event.
    public func deleteProgram(id: String, viewer: Viewer) async throws -> Program {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM programs
                WHERE id = \(id) AND deleted_at IS NULL AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Program", id) }
            let owner = try row.decode(String.self, column: "owner")
            let program = try rows.objects(Program.self)[0]
            let events = try await connection.query(
                "SELECT count(*) AS n FROM events WHERE program_id = \(id) AND deleted_at IS NULL")
            let count = try events.first?.decode(Int.self, column: "n") ?? 0
            guard count == 0 else {
                throw OpenADRStoreError(.conflict, "Program \(id) still has \(count) event(s); delete them first.")
            }
            try await connection.query("UPDATE programs SET deleted_at = \(now().date) WHERE id = \(id)")
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .program(program), programID: id, owners: [owner],
                targets: program.targets)
            return program
        }
    }
}
