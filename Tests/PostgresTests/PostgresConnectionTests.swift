import Foundation
import Postgres
import Testing

@Suite struct PostgresConnectionTests {
    struct Payload: Codable, Equatable {
        var kw: Double
        var tags: [String]
    }

    @Test func parameters_RoundTrip_EveryType() async throws {
        let conn = try await PostgresConnection.connect(configuration: TestDatabase.configuration())
        let uuid = UUID()
        let date = Date(timeIntervalSince1970: 1_714_564_800.123456)
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        let injection = "'; DROP TABLE users; -- \\ \" $1 \u{e9}\u{1F50C}"
        let rows = try await conn.query(
            """
            SELECT \(injection)::text AS s, \(Int.max) AS i, \(Int32.min) AS i32, \(Int64(-7)) AS i64,
                   \(3.25) AS d, \(true) AS b, \(false) AS f, \(uuid) AS u, \(date) AS t, \(bytes) AS bytes,
                   \(["a", "b,c", "d\"e", injection])::text[] AS strings, \([1, -2, 3]) AS ints,
                   \(PostgresJSON(Payload(kw: 7.5, tags: ["x"])))::jsonb AS j, \(Int?.none) AS null_int,
                   \(String?.none)::text AS null_text, \(Optional(5)) AS some_int, \(Double.infinity) AS inf
            """)
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, column: "s") == injection)
        #expect(try row.decode(Int.self, column: "i") == Int.max)
        #expect(try row.decode(Int32.self, column: "i32") == Int32.min)
        #expect(try row.decode(Int64.self, column: "i64") == -7)
        #expect(try row.decode(Double.self, column: "d") == 3.25)
        #expect(try row.decode(Bool.self, column: "b") == true)
        #expect(try row.decode(Bool.self, column: "f") == false)
        #expect(try row.decode(UUID.self, column: "u") == uuid)
        #expect(abs(try row.decode(Date.self, column: "t").timeIntervalSince(date)) < 0.000_001)
        #expect(try row.decode([UInt8].self, column: "bytes") == bytes)
        #expect(try row.decode([String].self, column: "strings") == ["a", "b,c", "d\"e", injection])
        #expect(try row.decode([Int].self, column: "ints") == [1, -2, 3])
        #expect(try row.decode(PostgresJSON<Payload>.self, column: "j").value == Payload(kw: 7.5, tags: ["x"]))
        #expect(try row.decode(Int?.self, column: "null_int") == nil)
        #expect(try row.decode(String?.self, column: "null_text") == nil)
        #expect(try row.decode(Int?.self, column: "some_int") == 5)
        #expect(try row.decode(Double.self, column: "inf") == .infinity)
        #expect(try row.decode(String.self, at: 0) == injection)
    }

    @Test func parameters_AreNeverExecuted_WhenTheyLookLikeSQL() async throws {
        try await TestDatabase.withSchema { pool, schema in
            try await pool.execute("CREATE TABLE \(identifier: schema).users (id serial PRIMARY KEY, name text)")
            let hostile = "x'); DROP TABLE \(schema).users; --"
            try await pool.execute("INSERT INTO \(identifier: schema).users (name) VALUES (\(hostile))")
            let rows = try await pool.query("SELECT name FROM \(identifier: schema).users WHERE name = \(hostile)")
            #expect(rows.count == 1)
            #expect(try rows[0].decode(String.self, column: "name") == hostile)
        }
    }

    @Test func decode_NamesColumnAndType_WhenNullOrInvalid() async throws {
        let conn = try await PostgresConnection.connect(configuration: TestDatabase.configuration())
        let row = try #require(try await conn.query("SELECT NULL::int AS missing, 'abc' AS word").first)
        let nullError = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "missing") }
        #expect(nullError.code == .decoding)
        #expect(nullError.column == "missing")
        #expect(nullError.swiftType == "Int")
        let invalid = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "word") }
        #expect(invalid.column == "word")
        #expect(!invalid.description.contains("abc"))
        let absent = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "nope") }
        #expect(absent.column == "nope")
    }

    @Test func query_SurfacesSQLState_WhenTableMissing() async throws {
        let conn = try await PostgresConnection.connect(configuration: TestDatabase.configuration())
        let table = TestDatabase.uniqueName("missing")
        let error = try await #require(throws: PostgresError.self) {
            try await conn.query("SELECT * FROM \(identifier: table)")
        }
        #expect(error.code == .server)
        #expect(error.sqlState == "42P01")
        #expect(error.isUndefinedTable)
        #expect(error.message == "relation \"\(table)\" does not exist")
        // The connection is still usable after a server error.
        #expect(try await conn.query("SELECT 1 AS one").first?.decode(Int.self, column: "one") == 1)
    }

    @Test func insert_SurfacesUniqueViolation_WithConstraintName() async throws {
        try await TestDatabase.withSchema { pool, schema in
            try await pool.execute(
                "CREATE TABLE \(identifier: schema).vehicles (vin text CONSTRAINT vehicles_vin_key UNIQUE)")
            try await pool.execute("INSERT INTO \(identifier: schema).vehicles VALUES (\("5YJ3E1EA7KF000001"))")
            let error = try await #require(throws: PostgresError.self) {
                try await pool.execute("INSERT INTO \(identifier: schema).vehicles VALUES (\("5YJ3E1EA7KF000001"))")
            }
            #expect(error.sqlState == "23505")
            #expect(error.isUniqueViolation)
            #expect(error.constraintName == "vehicles_vin_key")
            #expect(error.detail?.contains("5YJ3E1EA7KF000001") == true)
            #expect(!error.description.contains("5YJ3E1EA7KF000001"))
        }
    }

    @Test func executeScript_RunsMultipleStatements() async throws {
        let conn = try await PostgresConnection.connect(configuration: TestDatabase.configuration())
        let table = TestDatabase.uniqueName("script")
        try await conn.executeScript("CREATE TEMP TABLE \(table) (n int); INSERT INTO \(table) VALUES (1), (2);")
        let rows = try await conn.query("SELECT count(*) AS n FROM \(identifier: table)")
        #expect(try rows[0].decode(Int.self, column: "n") == 2)
        #expect(try await conn.execute("UPDATE \(identifier: table) SET n = n + 1") == 2)
    }

    @Test func connect_FailsWithConnectionFailed_WhenServerUnreachable() async throws {
        let config = PostgresConfiguration(
            connectionString: "postgresql://postgres@/postgres?host=/nonexistent-curtail-dir",
            connectTimeout: .seconds(2))
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(configuration: config)
        }
        #expect(error.code == .connectionFailed)
    }

    @Test func listen_DeliversNotification_SentWithBoundPayload() async throws {
        let pool = try TestDatabase.pool()
        let channel = TestDatabase.uniqueName("Chan")  // mixed case: LISTEN quotes the identifier
        let stream = try await pool.listen(channel: channel)
        let payload = "vehicle 'x'; SELECT 1; \u{1F50C}"
        try await pool.notify(channel: channel, payload: payload)
        var iterator = stream.makeAsyncIterator()
        let received = try #require(await iterator.next())
        #expect(received.channel == channel)
        #expect(received.payload == payload)
        await pool.close()
    }
}
