import Foundation

/// A `Codable` value bound and decoded as JSON text (`json` or `jsonb` columns).
///
/// ```swift
/// try await conn.execute("INSERT INTO events (payload) VALUES (\(PostgresJSON(payload)))")
/// let payload = try row.decode(PostgresJSON<Payload>.self, column: "payload").value
/// ```
/// Encoding uses a default `JSONEncoder` with sorted keys; a value that fails to encode binds SQL NULL.
/// Decoding fails (as a ``PostgresError/Code/decoding`` error) when the JSON does not match `Value`.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresCodable {
    public var value: Value

    public init(_ value: Value) { self.value = value }

    public var postgresText: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public init?(postgresText: String) {
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(postgresText.utf8)) else { return nil }
        self.value = value
    }
}

extension PostgresJSON: Equatable where Value: Equatable {}
