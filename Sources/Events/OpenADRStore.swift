import Foundation
import OpenADR
import Postgres

/// The VTN's objects in PostgreSQL: programs, events, reports, subscriptions, VENs and resources.
///
/// - Bodies arrive already validated (the API validates once, at the edge, with the `OpenADR` module); the store
///   sets the VTN-provisioned fields (`id`, `createdDateTime`, `modificationDateTime`, `objectType`) and keeps the
///   object as served in a `jsonb` column, next to the columns filters and the scheduler use.
/// - Every read and write is filtered by a ``Viewer``: another tenant's object is `notFound`, like a missing one.
/// - Every create, update and delete runs in one transaction with its webhook notifications (the
///   `notification_outbox` rows, see ``NotificationOutbox``) and, for events, `NOTIFY curtail_events, '<id>'`.
///   A change is therefore committed together with its notifications, or not at all.
///
/// Thread-safe: a `Sendable` value over a ``PostgresPool``.
public struct OpenADRStore: Sendable {
    /// The channel the scheduler LISTENs on; the payload is the id of the event that was created, changed or
    /// deleted (sent on commit).
    public static let eventsChannel = "curtail_events"

    let pool: PostgresPool
    let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - clock: the time used for `createdDateTime` and `modificationDateTime`. Defaults to the system clock.
    public init(pool: PostgresPool, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.pool = pool
        self.clock = clock
    }

    /// A fresh VTN-assigned object id: a lower-case UUID, which fits the spec's objectID pattern.
    static func newID() -> String { UUID().uuidString.lowercased() }

    /// Now, to the millisecond, so emitted date-times stay short and round-trip exactly through `timestamptz`.
    func now() -> DateTime {
        let milliseconds = (clock().timeIntervalSince1970 * 1000).rounded(.down)
        return DateTime(Date(timeIntervalSince1970: milliseconds / 1000))
    }

    /// The times of an update: `createdDateTime` kept, `modificationDateTime` strictly after the previous one
    /// (the spec says it moves forward on every successful PUT, even two in the same millisecond).
    func modificationTime(after previous: DateTime?) -> DateTime {
        let now = now()
        guard let previous, now <= previous else { return now }
        return DateTime(previous.date.addingTimeInterval(0.001))
    }
}

/// Reads `object` columns (selected as `object::text AS object`) into OpenADR values.
extension PostgresRows {
    func objects<T: Codable & Sendable>(_ type: T.Type) throws -> [T] {
        try map { try $0.decode(PostgresJSON<T>.self, column: "object").value }
    }
}

extension PostgresError {
    /// A unique violation becomes a 409 with `detail`; anything else is rethrown as is.
    func mappingUniqueViolation(_ detail: String) -> any Error {
        isUniqueViolation ? OpenADRStoreError(.conflict, detail) : self
    }
}
