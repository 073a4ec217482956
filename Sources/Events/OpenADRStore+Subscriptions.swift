import Foundation
import OpenADR
import Postgres

extension OpenADRStore {
    /// Stores a subscription owned by `viewer` for program `programID`, which `viewer` must see.
    /// - Throws: ``OpenADRStoreError`` `invalidReference` at `/programID`.
    public func createSubscription(_ body: Subscription, viewer: Viewer) async throws -> Subscription {
        var subscription = body
        let now = now()
        subscription.id = Self.newID()
        subscription.createdDateTime = now
        subscription.modificationDateTime = now
        subscription.objectType = .subscription
        let stored = subscription
        try await pool.withTransaction { connection in
            _ = try await programOwner(stored.programID, viewer: viewer, on: connection)
            let columns = Self.matchColumns(stored)
            try await connection.query(
                """
                INSERT INTO subscriptions (id, owner, client_name, program_id, objects, operations, callback_urls, object,
                                           created_at, modified_at)
                VALUES (\(stored.id!), \(viewer.clientKey)::uuid, \(stored.clientName), \(stored.programID),
                        \(columns.objects)::text[], \(columns.operations)::text[], \(columns.callbackURLs)::text[],
                        \(PostgresJSON(stored))::jsonb, \(now.date), \(now.date))
                """)
            try await NotificationOutbox.enqueue(
                on: connection, operation: .post, object: .subscription(stored), programID: stored.programID,
                owners: [viewer.clientKey], targets: stored.targets)
        }
        return stored
    }

    /// Subscription `id`, if `viewer` owns it (or is an operator). - Throws: `notFound`.
    public func subscription(id: String, viewer: Viewer) async throws -> Subscription {
        let rows = try await pool.query(
            """
            SELECT object::text AS object FROM subscriptions
            WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
            """)
        guard let subscription = try rows.objects(Subscription.self).first else {
            throw OpenADRStoreError.notFound("Subscription", id)
        }
        return subscription
    }

    /// The subscriptions `viewer` owns (all for operators), filtered by `programID`, `clientName`, `objects` (any
    /// of) and targets, in creation order. Other tenants' subscriptions, which hold their bearer tokens, are
    /// never listed.
    public func subscriptions(_ query: ListQuery, viewer: Viewer) async throws -> [Subscription] {
        try await pool.query(
            """
            SELECT object::text AS object FROM subscriptions
            WHERE (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
              AND (\(query.programID)::text IS NULL OR program_id = \(query.programID))
              AND (\(query.clientName)::text IS NULL OR client_name = \(query.clientName))
              AND (cardinality(\(query.objects)::text[]) = 0 OR objects && \(query.objects)::text[])
              AND (\(query.targetType)::text IS NULL OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(object->'targets', '[]'::jsonb)) t
                    WHERE t->>'type' = \(query.targetType) AND t->'values' ?| \(query.targetValues)::text[]))
            ORDER BY created_at, id OFFSET \(query.skip) LIMIT \(query.limit)
            """
        ).objects(Subscription.self)
    }

    /// Replaces subscription `id` (PUT). - Throws: `notFound`; `invalidReference` at `/programID`.
    public func replaceSubscription(id: String, with body: Subscription, viewer: Viewer) async throws -> Subscription {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT owner::text AS owner, object::text AS object FROM subscriptions
                WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                FOR UPDATE
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Subscription", id) }
            let owner = try row.decode(String.self, column: "owner")
            let previous = try rows.objects(Subscription.self)[0]
            _ = try await programOwner(body.programID, viewer: viewer, on: connection)
            var subscription = body
            subscription.id = id
            subscription.createdDateTime = previous.createdDateTime
            subscription.modificationDateTime = modificationTime(after: previous.modificationDateTime)
            subscription.objectType = .subscription
            let columns = Self.matchColumns(subscription)
            try await connection.query(
                """
                UPDATE subscriptions SET client_name = \(subscription.clientName), program_id = \(subscription.programID),
                    objects = \(columns.objects)::text[], operations = \(columns.operations)::text[],
                    callback_urls = \(columns.callbackURLs)::text[], object = \(PostgresJSON(subscription))::jsonb,
                    modified_at = \(subscription.modificationDateTime!.date)
                WHERE id = \(id)
                """)
            try await NotificationOutbox.enqueue(
                on: connection, operation: .put, object: .subscription(subscription),
                programID: subscription.programID, owners: [owner], targets: subscription.targets)
            return subscription
        }
    }

    /// Deletes subscription `id` and returns it as it was. Notifications already queued for it are still sent.
    public func deleteSubscription(id: String, viewer: Viewer) async throws -> Subscription {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                DELETE FROM subscriptions WHERE id = \(id) AND (\(viewer.seesAll) OR owner = \(viewer.clientKey)::uuid)
                RETURNING owner::text AS owner, object::text AS object
                """)
            guard let row = rows.first else { throw OpenADRStoreError.notFound("Subscription", id) }
            let subscription = try rows.objects(Subscription.self)[0]
            try await NotificationOutbox.enqueue(
                on: connection, operation: .delete, object: .subscription(subscription),
                programID: subscription.programID, owners: [try row.decode(String.self, column: "owner")],
                targets: subscription.targets)
            return subscription
        }
    }

    /// The union of objects, normalised operations and callback URLs over `objectOperations`.
    static func matchColumns(_ subscription: Subscription) -> (
        objects: [String], operations: [String], callbackURLs: [String]
    ) {
        var objects: Set<String> = []
        var operations: Set<String> = []
        var urls: Set<String> = []
        for entry in subscription.objectOperations {
            objects.formUnion(entry.objects.map(\.rawValue))
            operations.formUnion(entry.operations.map { ($0.normalized ?? $0).rawValue })
            urls.insert(entry.callbackUrl)
        }
        return (objects.sorted(), operations.sorted(), urls.sorted())
    }
}
