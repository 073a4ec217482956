/// SQL text plus bound parameters. Values interpolated into the literal become `$n` placeholders, never SQL text.
///
/// ```swift
/// let rows = try await conn.query("SELECT name FROM vehicles WHERE id = \(id) AND soc > \(minimum)")
/// // SQL: SELECT name FROM vehicles WHERE id = $1 AND soc > $2, binds: [id, minimum]
/// ```
/// Identifiers (schema, table, channel names) cannot be parameters: interpolate them with `\(identifier: name)`,
/// which double-quotes and escapes. Raw SQL needs the explicit ``init(unsafeSQL:binds:)``.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The SQL text with `$n` placeholders.
    public var sql: String
    /// The parameters, in placeholder order.
    public var binds: PostgresBindings

    /// Raw SQL with explicit `$n` placeholders. Never build `sql` by concatenating values.
    public init(unsafeSQL sql: String, binds: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var binds = PostgresBindings()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql.append(literal)
        }

        /// Binds `value` as the next parameter and writes its `$n` placeholder.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value)
            sql.append("$\(binds.count)")
        }

        /// Binds `value` (SQL NULL when nil) as the next parameter and writes its `$n` placeholder.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value)
            sql.append("$\(binds.count)")
        }

        /// Writes `name` as a double-quoted identifier (`"my ""odd"" table"`); safe for any input.
        public mutating func appendInterpolation(identifier name: String) {
            sql.append(PostgresQuery.quoteIdentifier(name))
        }

        /// Writes `sql` verbatim. For SQL fragments built by the program, never for user input.
        public mutating func appendInterpolation(unescaped sql: String) {
            self.sql.append(sql)
        }
    }

    /// Double-quotes an identifier, doubling any embedded `"`. NUL characters are removed (not valid in SQL).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacing("\0", with: "").replacing("\"", with: "\"\"") + "\""
    }
}
