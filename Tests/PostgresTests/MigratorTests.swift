import Foundation
import Postgres
import Testing

@Suite struct MigratorTests {
    /// Writes `files` into a fresh temporary directory.
    func makeDirectory(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + TestDatabase.uniqueName("migrations")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }
        return path
    }

    let files = [
        "0001_create_vehicles.sql": "CREATE TABLE vehicles (id int PRIMARY KEY, vin text);\n",
        "0002_add_log.sql": """
        CREATE TABLE log (n serial PRIMARY KEY, version int);
        INSERT INTO log (version) VALUES (2);
        ALTER TABLE vehicles ADD COLUMN soc double precision;
        """,
        "0010_seed.sql":
            "INSERT INTO vehicles (id, vin, soc) VALUES (1, 'a', 0.5); INSERT INTO log (version) VALUES (10);",
        "README.md": "not a migration",
    ]

    @Test func migrate_AppliesOnceInOrder() async throws {
        let directory = try makeDirectory(files)
        try await TestDatabase.withSchema { pool, schema in
            let migrator = Migrator(directory: directory, pool: pool, schema: schema)
            #expect(try await migrator.pendingMigrations().map(\.version) == [1, 2, 10])
            #expect(try await migrator.isUpToDate() == false)

            let applied = try await migrator.migrate()
            #expect(applied.map(\.version) == [1, 2, 10])
            #expect(try await migrator.migrate().isEmpty)
            #expect(try await migrator.isUpToDate())

            let rows = try await pool.query(
                "SELECT version, name, checksum FROM \(identifier: schema).schema_migrations ORDER BY version")
            #expect(try rows.map { try $0.decode(Int.self, column: "version") } == [1, 2, 10])
            #expect(
                try rows.map { try $0.decode(String.self, column: "name") } == ["create_vehicles", "add_log", "seed"])
            #expect(try rows.allSatisfy { try $0.decode(String.self, column: "checksum").hasPrefix("fnv1a64:") })
            let log = try await pool.query("SELECT version FROM \(identifier: schema).log ORDER BY n")
            #expect(try log.map { try $0.decode(Int.self, column: "version") } == [2, 10])
        }
    }

    @Test func migrate_AppliesEachOnce_WhenTwoRunnersStartTogether() async throws {
        var many = files
        for v in 11...20 {
            many[String(format: "%04d_step.sql", v)] = "INSERT INTO log (version) VALUES (\(v)); SELECT pg_sleep(0.01);"
        }
        let directory = try makeDirectory(many)
        try await TestDatabase.withSchema(maxConnections: 4) { pool, schema in
            let a = Migrator(directory: directory, pool: pool, schema: schema)
            let b = Migrator(directory: directory, pool: pool, schema: schema)
            async let first = a.migrate()
            async let second = b.migrate()
            let (appliedA, appliedB) = try await (first, second)
            let all = (appliedA + appliedB).map(\.version)
            #expect(all.sorted() == [1, 2] + Array(10...20))
            #expect(Set(all).count == all.count)

            let recorded = try await pool.query("SELECT count(*) AS n FROM \(identifier: schema).schema_migrations")
            #expect(try recorded[0].decode(Int.self, column: "n") == 13)
            let log = try await pool.query("SELECT version FROM \(identifier: schema).log ORDER BY n")
            #expect(try log.map { try $0.decode(Int.self, column: "version") } == [2] + Array(10...20))
        }
    }

    @Test func migrate_Throws_WhenAppliedMigrationChanged() async throws {
        let directory = try makeDirectory(files)
        try await TestDatabase.withSchema { pool, schema in
            let migrator = Migrator(directory: directory, pool: pool, schema: schema)
            try await migrator.migrate()
            try "CREATE TABLE vehicles (id bigint PRIMARY KEY);\n".write(
                toFile: directory + "/0001_create_vehicles.sql", atomically: true, encoding: .utf8)
            try "CREATE TABLE later (n int);".write(
                toFile: directory + "/0011_later.sql", atomically: true, encoding: .utf8)
            let error = try await #require(throws: PostgresError.self) { try await migrator.migrate() }
            #expect(error.code == .checksumMismatch)
            await #expect(throws: PostgresError.self) { try await migrator.isUpToDate() }
            // Nothing was applied after the mismatch was found.
            let rows = try await pool.query("SELECT to_regclass(\(schema + ".later")) IS NULL AS absent")
            #expect(try rows[0].decode(Bool.self, column: "absent"))
        }
    }

    @Test func migrate_RollsBackFailedMigration_AndKeepsEarlierOnes() async throws {
        let directory = try makeDirectory([
            "0001_ok.sql": "CREATE TABLE ok (n int);",
            "0002_bad.sql": "CREATE TABLE half (n int); SELECT * FROM no_such_table;",
        ])
        try await TestDatabase.withSchema { pool, schema in
            let migrator = Migrator(directory: directory, pool: pool, schema: schema)
            let error = try await #require(throws: PostgresError.self) { try await migrator.migrate() }
            #expect(error.sqlState == "42P01")
            #expect(try await migrator.pendingMigrations().map(\.version) == [2])
            let rows = try await pool.query("SELECT to_regclass(\(schema + ".half")) IS NULL AS absent")
            #expect(try rows[0].decode(Bool.self, column: "absent"))
        }
    }

    @Test func loadMigrations_Rejects_BadNamesAndDuplicateVersions() throws {
        let pool = try TestDatabase.pool()
        let bad = try makeDirectory(["create.sql": "SELECT 1;"])
        #expect(throws: PostgresError.self) { try Migrator(directory: bad, pool: pool).loadMigrations() }
        let duplicate = try makeDirectory(["0001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 2;"])
        #expect(throws: PostgresError.self) { try Migrator(directory: duplicate, pool: pool).loadMigrations() }
    }
}
