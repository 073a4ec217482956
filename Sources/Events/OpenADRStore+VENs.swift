import Foundation
import OpenADR
import Postgres

extension OpenADRStore {
    /// Stores a VEN owned by `viewer`; inline `resources` are kept and echoed as sent.
    /// - Throws: ``OpenADRStoreError`` `conflict` when the tenant already has a VEN of that `venName`.
    public func createVEN(_ body: VEN, viewer: Viewer) async throws -> VEN {
        var ven = body
        let now = now()
        ven.id = Self.newID()
        ven.createdDateTime = now
        ven.modificationDateTime = now
        ven.objectType = .ven
        let stored = ven
        try await pool.withTransaction { connection in
            do {
                try await connection.query(
                    """
                    INSERT INTO vens (id, owner, ven_name, object, created_at, modified_at)
                    VALUES (\(stored.id!), \(viewer.clientKey)::uuid, \(stored.venName), \(PostgresJSON(stored))::jsonb,
                            \(now.date), \(now.date))
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation("A VEN named \(stored.venName) already exists.")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .ven(stored), programID: nil, owners: [viewer.clientKey],
                targets: stored.targets)
        }
        return stored
    }

    /// VEN `id`, if `viewer` owns it (or is an operator). - Throws: `notFound`.
    public func ven(id: String, viewer: Viewer) async throws -> VEN {
        let rows = try await pool.query(
            "SELECT object::text AS object FROM vens WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)"
        )
        guard let ven = try rows.objects(VEN.self).first else { throw OpenADRStoreError.notFound("VEN", id) }
        return ven
    }

    /// The VENs `viewer` owns (all for operators), filtered by `venName` and targets, in creation order.
    public func vens(_ query: ListQuery, viewer: Viewer) async throws -> [VEN] {
        try await pool.query(
            """
            SELECT object::text AS object FROM vens
            WHERE (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
              AND (\(query.venName)::text IS NULL OR ven_name = \(query.venName))
              AND (\(query.targetType)::text IS NULL OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(object->'targets', '[]'::jsonb)) t
                    WHERE t->>'type' = \(query.targetType) AND t->'values' ?| \(query.targetValues)::text[]))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(VEN.self)
    }

    /// Replaces VEN `id` (PUT). - Throws: `notFound`, or `conflict` for a name another VEN of the tenant has.
    public func replaceVEN(id: String, with body: VEN, viewer: Viewer) async throws -> VEN {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM vens
                WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid) FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("VEN", id) }
            let owner = try row.decode(String.self, column: "owner")
            let previous = try rows.objects(VEN.self)[0]
            var ven = body
            ven.id = id
            ven.createdDateTime = previous.createdDateTime
            ven.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            ven.objectType = .ven
            do {
                try await connection.query(
                    """
                    UPDATE vens SET ven_name = \(ven.venName), object = \(PostgresJSON(ven))::jsonb,
                        modified_at = \(ven.modificationDateTime!.date)
                    WHERE id = \(id)
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation("A VEN named \(ven.venName) already exists.")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .ven(ven), programID: nil, owners: [owner],
                targets: ven.targets)
            return ven
        }
    }

    /// Deletes VEN `id` (and its resources) and returns it as it was. - Throws: `notFound`.
    public func deleteVEN(id: String, viewer: Viewer) async throws -> VEN {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                DELETE FROM vens WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                RETURNING owner::text AS owner, object::text AS object
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("VEN", id) }
            let ven = try rows.objects(VEN.self)[0]
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .ven(ven), programID: nil,
                owners: [try row.decode(String.self, column: "owner")], targets: ven.targets)
            return ven
        }
    }

    // MARK: - Resources (always under a VEN the viewer sees)

    /// Stores a resource under VEN `venID` (which sets `venID`). - Throws: `notFound` for the VEN, `conflict` for a
    /// `resourceName` the VEN already has.
    public func createResource(_ body: Resource, venID: String, viewer: Viewer) async throws -> Resource {
        var resource = body
        let now = now()
        resource.id = Self.newID()
        resource.venID = venID
        resource.createdDateTime = now
        resource.modificationDateTime = now
        resource.objectType = .resource
        let stored = resource
        try await pool.withTransaction { connection in
            let owner = try await venOwner(venID, viewer: viewer, on: connection)
            do {
                try await connection.query(
                    """
                    INSERT INTO resources (id, owner, ven_id, resource_name, object, created_at, modified_at)
                    VALUES (\(stored.id!), \(owner)::uuid, \(venID), \(stored.resourceName), \(PostgresJSON(stored))::jsonb,
                            \(now.date), \(now.date))
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation("VEN \(venID) already has a resource named \(stored.resourceName).")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .resource(stored), programID: nil, owners: [owner],
                targets: stored.targets)
        }
        return stored
    }

    /// Resource `id` of VEN `venID`. - Throws: `notFound` (for the VEN or the resource).
    public func resource(id: String, venID: String, viewer: Viewer) async throws -> Resource {
        let rows = try await pool.query(
            """
            SELECT object::text AS object FROM resources
            WHERE id = \(id) AND ven_id = \(venID) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            """)
        guard let resource = try rows.objects(Resource.self).first else {
            throw OpenADRStoreError.notFound("Resource", id)
        }
        return resource
    }

    /// The resources of VEN `venID`, filtered by `resourceName` and targets. - Throws: `notFound` for the VEN.
    public func resources(_ query: ListQuery, venID: String, viewer: Viewer) async throws -> [Resource] {
        _ = try await ven(id: venID, viewer: viewer)
        return try await pool.query(
            """
            SELECT object::text AS object FROM resources
            WHERE ven_id = \(venID) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
              AND (\(query.resourceName)::text IS NULL OR resource_name = \(query.resourceName))
              AND (\(query.targetType)::text IS NULL OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(object->'targets', '[]'::jsonb)) t
                    WHERE t->>'type' = \(query.targetType) AND t->'values' ?| \(query.targetValues)::text[]))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(Resource.self)
    }

    /// Replaces resource `id` of VEN `venID` (PUT). - Throws: `notFound`, `conflict`.
    public func replaceResource(id: String, venID: String, with body: Resource, viewer: Viewer) async throws -> Resource
    {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM resources
                WHERE id = \(id) AND ven_id = \(venID) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Resource", id) }
            let owner = try row.decode(String.self, column: "owner")
            let previous = try rows.objects(Resource.self)[0]
            var resource = body
            resource.id = id
            resource.venID = venID
            resource.createdDateTime = previous.createdDateTime
            resource.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            resource.objectType = .resource
            do {
                try await connection.query(
                    """
                    UPDATE resources SET resource_name = \(resource.resourceName), object = \(PostgresJSON(resource))::jsonb,
                        modified_at = \(resource.modificationDateTime!.date)
                    WHERE id = \(id)
                    """)
            } catch let error as PostgresError {
                throw error.mappingUniqueViolation(
                    "VEN \(venID) already has a resource named \(resource.resourceName).")
            }
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .resource(resource), programID: nil, owners: [owner],
                targets: resource.targets)
            return resource
        }
    }

    /// Deletes resource `id` of VEN `venID` and returns it as it was. - Throws: `notFound`.
    public func deleteResource(id: String, venID: String, viewer: Viewer) async throws -> Resource {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                DELETE FROM resources
                WHERE id = \(id) AND ven_id = \(venID) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                RETURNING owner::text AS owner, object::text AS object
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Resource", id) }
            let resource = try rows.objects(Resource.self)[0]
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .resource(resource), programID: nil,
                owners: [try row.decode(String.self, column: "owner")], targets: resource.targets)
            return resource
        }
    }

    private func venOwner(_ venID: String, viewer: Viewer, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT owner::text AS owner FROM vens
            WHERE id = \(venID) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid) FOR SHARE
            """)
        guard let row = rows.first else { throw OpenADRStoreError.notFound("VEN", venID) }
        return try row.decode(String.self, column: "owner")
    }
}
