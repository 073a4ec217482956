import Foundation
import Logging

/// Applies `NNNN_name.sql` files from a directory, in numeric order, each exactly once.
///
/// - Each migration runs in its own transaction together with its row in `schema_migrations` (version, name,
///   checksum, applied_at), so a failed migration leaves no trace and is retried on the next run. Files must not
///   contain transaction control (`BEGIN`/`COMMIT`) or statements that cannot run in a transaction
///   (`CREATE INDEX CONCURRENTLY`).
/// - Every transaction first takes `pg_advisory_xact_lock` on a key derived from the schema, so concurrent
///   runners (several Curtail processes starting at once) serialise: the second waits, then finds nothing to do.
/// - A file whose checksum differs from the recorded one is an error (``PostgresError/Code/checksumMismatch``):
///   applied migrations are immutable; write a new one instead. A recorded version with no file is ignored.
/// - `schema`, when given, is created if missing and is the `search_path` of every migration, so files use
///   unqualified names; `schema_migrations` lives there too. When nil, the connection's default `search_path`
///   applies (normally `public`).
///
/// ```swift
/// let applied = try await Migrator(directory: "migrations", pool: pool).migrate()
/// ```
public struct Migrator: Sendable {
    /// The directory holding the `.sql` files.
    public let directory: String
    /// The schema to migrate, or nil for the default `search_path`.
    public let schema: String?
    private let pool: PostgresPool
    private let logger: Logger

    public init(
        directory: String, pool: PostgresPool, schema: String? = nil,
        logger: Logger = Logger(label: "curtail.postgres.migrator")
    ) {
        self.directory = directory
        self.pool = pool
        self.schema = schema
        self.logger = logger
    }

    /// Reads the directory: every `*.sql` file must be named `<digits>_<name>.sql`, with distinct versions.
    /// Other files are ignored.
    /// - Throws: ``PostgresError/Code/migration`` for an unreadable directory or file, a bad name, or a
    ///   duplicate version.
    public func loadMigrations() throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PostgresError(code: .migration, message: "cannot read migrations directory \(directory): \(error)")
        }
        var byVersion: [Int: Migration] = [:]
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version >= 0,
                stem[..<underscore].allSatisfy(\.isASCII), !stem[stem.index(after: underscore)...].isEmpty
            else {
                throw PostgresError(code: .migration, message: "migration file \(file) is not named NNNN_name.sql")
            }
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PostgresError(code: .migration, message: "cannot read migration file \(file)")
            }
            let migration = Migration(
                version: version, name: String(stem[stem.index(after: underscore)...]),
                sql: String(decoding: data, as: UTF8.self))
            if let existing = byVersion[version] {
                throw PostgresError(
                    code: .migration,
                    message: "migrations \(existing.version)_\(existing.name) and \(file) share version \(version)")
            }
            byVersion[version] = migration
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration, in order, and returns the ones this call applied (empty when the
    /// database was already up to date, for example because a concurrent runner applied them).
    /// - Throws: ``PostgresError/Code/checksumMismatch`` when an applied file changed (nothing is applied then);
    ///   ``PostgresError/Code/migration`` for a bad directory; the server's error when a migration fails (that
    ///   migration is rolled back; earlier ones stay applied).
    @discardableResult
    public func migrate() async throws -> [Migration] {
        let migrations = try loadMigrations()
        var applied: [Migration] = []
        while true {
            let next: Migration? = try await pool.withTransaction { connection in
                try await prepare(connection)
                let recorded = try await recordedChecksums(connection)
                try verify(migrations, against: recorded)
                guard let next = migrations.first(where: { recorded[$0.version] == nil }) else { return nil }
                try await connection.executeScript(next.sql)
                try await connection.execute(
                    """
                    INSERT INTO schema_migrations (version, name, checksum) \
                    VALUES (\(next.version), \(next.name), \(next.checksum))
                    """)
                return next
            }
            guard let next else { break }
            logger.info("applied migration", metadata: ["version": "\(next.version)", "name": "\(next.name)"])
            applied.append(next)
        }
        return applied
    }

    /// The migrations in the directory that are not yet applied, in order. Changes nothing in the database.
    /// - Throws: ``PostgresError/Code/checksumMismatch`` when an applied file changed; as ``loadMigrations()``.
    public func pendingMigrations() async throws -> [Migration] {
        let migrations = try loadMigrations()
        let recorded: [Int: String] = try await pool.withConnection { connection in
            let table = (schema.map { PostgresQuery.quoteIdentifier($0) + "." } ?? "") + "schema_migrations"
            let exists = try await connection.query("SELECT to_regclass(\(table)) IS NOT NULL AS present")
            guard try exists.first?.decode(Bool.self, column: "present") == true else { return [:] }
            return try await recordedChecksums(connection, table: table)
        }
        try verify(migrations, against: recorded)
        return migrations.filter { recorded[$0.version] == nil }
    }

    /// True when every migration in the directory is applied with a matching checksum: the `/readyz` check.
    /// - Throws: as ``pendingMigrations()``.
    public func isUpToDate() async throws -> Bool {
        try await pendingMigrations().isEmpty
    }

    /// Convenience for a readiness probe: `Migrator(directory:pool:schema:).isUpToDate()`.
    public static func isUpToDate(directory: String, pool: PostgresPool, schema: String? = nil) async throws -> Bool {
        try await Migrator(directory: directory, pool: pool, schema: schema).isUpToDate()
    }

    // MARK: - Internals

    /// The advisory lock key: one per schema, so runners for different schemas do not wait for each other.
    private var lockKey: Int {
        let checksum = Migration.checksum(of: "curtail.schema_migrations." + (schema ?? ""))
        return Int(truncatingIfNeeded: UInt64(checksum.dropFirst(8), radix: 16) ?? 0)
    }

    private func prepare(_ connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))")
        if let schema {
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(identifier: schema)")
            try await connection.query("SET LOCAL search_path TO \(identifier: schema)")
        }
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    private func recordedChecksums(
        _ connection: PostgresConnection, table: String = "schema_migrations"
    ) async throws -> [Int: String] {
        var recorded: [Int: String] = [:]
        for row in try await connection.query("SELECT version, checksum FROM \(unescaped: table)") {
            recorded[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum")
        }
        return recorded
    }

    private func verify(_ migrations: [Migration], against recorded: [Int: String]) throws {
        for migration in migrations {
            if let checksum = recorded[migration.version], checksum != migration.checksum {
                throw PostgresError(
                    code: .checksumMismatch,
                    message: "migration \(migration.version)_\(migration.name) changed after it was applied "
                        + "(recorded \(checksum), file \(migration.checksum))")
            }
        }
    }
}
