import Foundation
import Testing

@testable import Postgres

@Suite struct PostgresQueryTests {
    @Test func interpolation_BindsParameters_InsteadOfSQLText() {
        let id = 42
        let name = "x'; DROP TABLE t; --"
        let query: PostgresQuery = "SELECT * FROM t WHERE id = \(id) AND name = \(name) AND note = \(String?.none)"
        #expect(query.sql == "SELECT * FROM t WHERE id = $1 AND name = $2 AND note = $3")
        #expect(query.binds.values == ["42", name, nil])
        #expect(query.binds.typeOIDs == [20, 0, 0])
    }

    @Test func identifierInterpolation_QuotesAndEscapes() {
        let query: PostgresQuery = "SELECT * FROM \(identifier: "we\"ird")"
        #expect(query.sql == "SELECT * FROM \"we\"\"ird\"")
        #expect(query.binds.count == 0)
    }

    @Test func arrayLiteral_RoundTrips_QuotesAndBackslashes() {
        let values = ["a", "b c", "with \"quote\"", "back\\slash", "", "{x,y}", "NULL"]
        let literal = PostgresArrayLiteral.encode(values)
        #expect(PostgresArrayLiteral.decode(literal) == values)
        #expect(PostgresArrayLiteral.decode("{1,2,3}") == ["1", "2", "3"])
        #expect(PostgresArrayLiteral.decode("{}") == [])
        #expect(PostgresArrayLiteral.decode("{a,NULL}") == nil)
    }

    @Test func date_ParsesServerOutput_InAnyOffset() throws {
        let utc = try #require(Date(postgresText: "2024-05-01 12:00:00.25+00"))
        let cest = try #require(Date(postgresText: "2024-05-01 14:00:00.25+02"))
        let india = try #require(Date(postgresText: "2024-05-01T17:30:00.250000+05:30"))
        #expect(utc == cest)
        #expect(utc == india)
        #expect(utc.timeIntervalSince1970 == 1_714_564_800.25)
        #expect(Date(postgresText: "infinity") == nil)
        #expect(utc.postgresText == "2024-05-01T12:00:00.250000+00:00")
    }

    @Test func errorDescription_LeaksNoSQLOrValues() {
        let error = PostgresError(
            code: .server, sqlState: "23505", message: "duplicate key value", detail: "Key (email)=(a@b.c) exists",
            constraintName: "users_email_key", query: "INSERT INTO users VALUES ('secret')")
        #expect(error.description == "PostgresError(code: server, sqlState: 23505, constraint: users_email_key)")
        #expect(!error.description.contains("secret"))
        #expect(!error.description.contains("a@b.c"))
        #expect(String(reflecting: error).contains("a@b.c"))
        #expect(error.isUniqueViolation)
    }
}

@Test func emptyTextArray_BindsAsArrayNotBytea() async throws {
    let pool = try TestDatabase.pool(maxConnections: 1)
    let empty: [String] = []
    let rows = try await pool.query("SELECT cardinality(\(empty)::text[]) AS n")
    #expect(try rows.first?.decode(Int.self, column: "n") == 0)
    await pool.close()
}
