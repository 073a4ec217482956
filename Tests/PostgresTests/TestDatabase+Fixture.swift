import Foundation
import Postgres
import Testing

/// The throwaway PostgreSQL from `scripts/lib/pg.sh` (`pg_up` exports DATABASE_URL). Tests fail, not skip,
/// when it is missing.
enum TestDatabase {
    static func configuration() throws -> PostgresConfiguration {
        let url = try #require(
            ProcessInfo.processInfo.environment["DATABASE_URL"],
            "DATABASE_URL is not set: run `source scripts/lib/pg.sh && pg_up` first")
        return PostgresConfiguration(connectionString: url, connectTimeout: .seconds(5))
    }

    static func pool(maxConnections: Int = 4, acquireTimeout: Duration = .seconds(10)) throws -> PostgresPool {
        PostgresPool(
            configuration: .init(
                connection: try configuration(), maxConnections: maxConnections, acquireTimeout: acquireTimeout))
    }

    /// A name no other test uses, valid as an unquoted identifier.
    static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
    }

    /// Creates a fresh schema, runs `body`, then drops the schema and closes the pool.
    static func withSchema(
        maxConnections: Int = 4, _ body: (PostgresPool, String) async throws -> Void
    ) async throws {
        let pool = try pool(maxConnections: maxConnections)
        let schema = uniqueName("test")
        try await pool.execute("CREATE SCHEMA \(identifier: schema)")
        do {
            try await body(pool, schema)
        } catch {
            _ = try? await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await pool.close()
            throw error
        }
        try await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await pool.close()
    }
}
