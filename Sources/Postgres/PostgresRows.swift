/// A complete, buffered query result. Rows are copied out of libpq's `PGresult` before the query call returns.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The column names.
    public let columns: PostgresColumns
    /// The rows, in the order the server sent them.
    public let rows: [PostgresRow]
    /// The command tag (`INSERT 0 1`, `SELECT 3`), as reported by the server.
    public let commandTag: String
    /// Rows affected by INSERT/UPDATE/DELETE/SELECT/MERGE/COPY/MOVE/FETCH, or nil for other commands.
    public let affectedRows: Int?

    init(columns: PostgresColumns, rows: [PostgresRow], commandTag: String, affectedRows: Int?) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }
}
