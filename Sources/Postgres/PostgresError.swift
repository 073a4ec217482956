/// The one error type of the `Postgres` layer.
///
/// `code` says what kind of failure it was; for ``Code/server`` errors the backend's fields (SQLSTATE, primary
/// message, detail, constraint name) are captured from the failed `PGresult` on the spot.
///
/// `description` is deliberately terse and safe to log: it carries the code, the SQLSTATE, the constraint name
/// and (for decoding errors) the column name and Swift type, but never SQL text, parameter values, the server's
/// message or detail (both can quote values: `invalid input syntax for type integer: "..."`). Everything is in
/// `debugDescription` (`String(reflecting:)`), which is for local debugging only.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Extensible: new codes are not a breaking change, so `switch` with a default.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectionFailed, connectionClosed, server, decoding, poolTimeout, poolClosed
            case migration, checksumMismatch, unexpectedResult, invalidConfiguration
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Connecting failed: unreachable server, refused, authentication, or the connect timeout.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection is gone (server restart, `pg_terminate_backend`, network) or was closed by us.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server answered with an ErrorResponse; see ``PostgresError/sqlState``.
        public static let server = Code(.server)
        /// A column could not be decoded into the requested Swift type (or was NULL for a non-optional).
        public static let decoding = Code(.decoding)
        /// No pool connection became free within the pool's acquire timeout.
        public static let poolTimeout = Code(.poolTimeout)
        /// The pool was closed before or while waiting for a connection.
        public static let poolClosed = Code(.poolClosed)
        /// A migration file or directory is invalid (bad name, duplicate version, unreadable).
        public static let migration = Code(.migration)
        /// An applied migration's file changed after it was applied.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// libpq returned a result status we do not handle (e.g. COPY), or no result at all.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A configuration value is out of range.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code

    /// The database went away rather than refused the statement: a lost or refused connection, no pool connection in
    /// time, or the server shutting down or starting up (SQLSTATE class 08, 57P01–57P03). Worth retrying once it is back.
    public var isConnectionLoss: Bool {
        switch code {
        case .connectionFailed, .connectionClosed, .poolTimeout: return true
        case .server: return sqlState.map { $0.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains($0) } ?? false
        default: return false
        }
    }
    /// The five-character SQLSTATE for server errors (`"42P01"`, `"23505"`), else nil.
    public var sqlState: String?
    /// The server's primary message, or libpq's message for connection-level failures. May quote values.
    public var message: String?
    /// The server's DETAIL field. May quote values (`Key (email)=(a@b) already exists.`).
    public var detail: String?
    /// The violated constraint's name for integrity errors (class 23), else nil.
    public var constraintName: String?
    /// For ``Code/decoding``: the column name (or `#index` when unnamed).
    public var column: String?
    /// For ``Code/decoding``: the Swift type that was requested.
    public var swiftType: String?
    /// The SQL text that failed, if any. Only shown by `debugDescription`.
    public var query: String?
    /// Where the failing call was made.
    public var file: String
    public var line: Int

    public init(
        code: Code, sqlState: String? = nil, message: String? = nil, detail: String? = nil,
        constraintName: String? = nil, column: String? = nil, swiftType: String? = nil, query: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraintName = constraintName
        self.column = column
        self.swiftType = swiftType
        self.query = query
        self.file = file
        self.line = line
    }

    /// SQLSTATE 23505: a unique or primary-key constraint was violated.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 23503: a foreign-key constraint was violated.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// SQLSTATE 40001: a serializable transaction failed; retrying the whole transaction may succeed.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// SQLSTATE 40P01: the transaction was chosen as a deadlock victim; retrying may succeed.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// SQLSTATE 42P01: the relation does not exist.
    public var isUndefinedTable: Bool { sqlState == "42P01" }
    /// True when the connection cannot be used any more (the pool discards it).
    public var isConnectionError: Bool { code == .connectionFailed || code == .connectionClosed }

    /// Safe to log: no SQL, parameter values, server message or detail.
    public var description: String {
        var parts = ["code: \(code)"]
        if let sqlState { parts.append("sqlState: \(sqlState)") }
        if let constraintName { parts.append("constraint: \(constraintName)") }
        if let column { parts.append("column: \(column)") }
        if let swiftType { parts.append("type: \(swiftType)") }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }

    /// Everything, including the server's message and detail and the SQL text. Not for production logs.
    public var debugDescription: String {
        var parts = ["code: \(code)"]
        if let sqlState { parts.append("sqlState: \(sqlState)") }
        if let message { parts.append("message: \(message)") }
        if let detail { parts.append("detail: \(detail)") }
        if let constraintName { parts.append("constraint: \(constraintName)") }
        if let column { parts.append("column: \(column)") }
        if let swiftType { parts.append("type: \(swiftType)") }
        if let query { parts.append("query: \(query)") }
        parts.append("at: \(file):\(line)")
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }
}
