import Foundation
import OpenADR
import Postgres

/// Queues webhook notifications for a change, inside the change's own transaction.
///
/// A subscription matches a change when (README §9):
/// - one of its `objectOperations` entries lists the object's type and the operation (CRUD words and the 3.0.1
///   HTTP verbs are the same operation: `POST` = `CREATE`, `PUT` = `UPDATE`);
/// - its `programID` is the object's program (VENs and resources belong to no program: any subscription of the
///   owner matches);
/// - its owner owns the object, or is an operator (a tenant never hears of another tenant's objects);
/// - its `targets` pass ``targetsMatch(_:_:)``: for each target type both it and the object name, they share a
///   value (an object without targets addresses everyone, so it matches).
///
/// Each matching entry yields one outbox row per distinct callback URL and token; ``NotificationDeliveryWorker``
/// sends them.
enum NotificationOutbox {
    static func enqueue(
        on connection: PostgresConnection, operation: OpenADR.Operation, object: NotificationObject,
        programID: String?, owners: [String], targets: [ValuesMap]?
    ) async throws {
        let objectType = object.objectType
        guard let crud = operation.normalized else { return }
        let candidates = try await connection.query(
            """
            SELECT s.id, s.object::text AS object FROM subscriptions s
            WHERE \(objectType.rawValue) = ANY (s.objects) AND \(crud.rawValue) = ANY (s.operations)
              AND (\(programID)::text IS NULL OR s.program_id = \(programID))
              AND (s.owner = ANY (\(owners)::uuid[]) OR EXISTS (
                    SELECT 1 FROM clients c WHERE c.id = s.owner AND c.scopes && ARRAY['fleet_read', 'fleet_write']::text[]))
            ORDER BY s.created_at, s.id
            """)
        guard !candidates.isEmpty else { return }
        let notification = Notification(objectType: objectType, operation: operation, object: object, targets: targets)
        let body = String(decoding: try OpenADRJSON.encode(notification), as: UTF8.self)
        for subscription in try candidates.objects(Subscription.self) {
            guard let subscriptionID = subscription.id, targetsMatch(subscription.targets, targets) else { continue }
            var seen: Set<[String?]> = []
            for entry in subscription.objectOperations
            where entry.objects.contains(objectType) && entry.operations.contains(where: { $0.normalized == crud }) {
                guard seen.insert([entry.callbackUrl, entry.bearerToken]).inserted else { continue }
                try await connection.query(
                    """
                    INSERT INTO notification_outbox (subscription_id, callback_url, bearer_token, object_type, operation, body)
                    VALUES (\(subscriptionID), \(entry.callbackUrl), \(entry.bearerToken), \(objectType.rawValue),
                            \(operation.rawValue), \(body)::jsonb)
                    """)
            }
        }
    }

    /// Whether an object's targets pass a subscription's target filter. A target type the two do not share does
    /// not filter (a VEN subscribed with `GROUP` targets still hears of a program aimed at a `SERVICE_AREA`); for
    /// every type both name, the object must hold at least one of the subscription's values. No targets on either
    /// side: everything passes.
    static func targetsMatch(_ subscription: [ValuesMap]?, _ object: [ValuesMap]?) -> Bool {
        guard let subscription, let object else { return true }
        var wanted: [String: Set<ValuesMap.Value>] = [:]
        var held: [String: Set<ValuesMap.Value>] = [:]
        for target in subscription { wanted[target.type, default: []].formUnion(target.values) }
        for target in object { held[target.type, default: []].formUnion(target.values) }
        for (type, values) in wanted {
            if let objectValues = held[type], objectValues.isDisjoint(with: values) { return false }
        }
        return true
    }
}

extension NotificationObject {
    /// The `objectType` of the wrapped object.
    var objectType: ObjectType {
        switch self {
        case .program: .program
        case .event: .event
        case .report: .report
        case .subscription: .subscription
        case .ven: .ven
        case .resource: .resource
        case .other: ObjectType("OTHER")
        }
    }
}
