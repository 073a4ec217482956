/// One result row: column values in the server's text format, decoded on demand.
///
/// ```swift
/// let id = try row.decode(Int.self, column: "id")
/// let name = try row.decode(String?.self, at: 1)
/// ```
/// - Throws: ``PostgresError`` with code ``PostgresError/Code/decoding`` naming the column and the Swift type when
///   the column is missing, NULL for a non-optional type, or not a valid value of the type.
public struct PostgresRow: Sendable {
    /// The result's column names, shared by all its rows.
    public let columns: PostgresColumns
    /// The raw text values; nil is SQL NULL.
    public let values: [String?]

    init(columns: PostgresColumns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// Decodes the column at `index` (0-based).
    public func decode<Value: PostgresDecodable>(
        _ type: Value.Type = Value.self, at index: Int, file: String = #fileID, line: Int = #line
    ) throws -> Value {
        guard values.indices.contains(index) else {
            throw PostgresError(
                code: .decoding, message: "no column at index \(index) (\(values.count) columns)",
                column: "#\(index)", swiftType: "\(Value.self)", file: file, line: line)
        }
        let name = columns.names[index].isEmpty ? "#\(index)" : columns.names[index]
        guard let text = values[index] else {
            guard let null = Value.postgresNullValue else {
                throw PostgresError(
                    code: .decoding, message: "unexpected NULL", column: name, swiftType: "\(Value.self)",
                    file: file, line: line)
            }
            return null
        }
        guard let value = Value(postgresText: text) else {
            // The raw text is a value: it goes in `detail`, which only debugDescription shows.
            throw PostgresError(
                code: .decoding, message: "invalid text for \(Value.self)", detail: text, column: name,
                swiftType: "\(Value.self)", file: file, line: line)
        }
        return value
    }

    /// Decodes the first column named `column`.
    public func decode<Value: PostgresDecodable>(
        _ type: Value.Type = Value.self, column: String, file: String = #fileID, line: Int = #line
    ) throws -> Value {
        guard let index = columns.index(of: column) else {
            throw PostgresError(
                code: .decoding, message: "no such column", column: column, swiftType: "\(Value.self)",
                file: file, line: line)
        }
        return try decode(Value.self, at: index, file: file, line: line)
    }

    /// The raw text of the first column named `column`; nil for NULL or a missing column.
    public subscript(column: String) -> String? {
        columns.index(of: column).flatMap { values[$0] }
    }
}
