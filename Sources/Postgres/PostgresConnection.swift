import CLibPQ
import Foundation
import Logging

/// One connection to PostgreSQL, owning one `PGconn*`.
///
/// Isolation: an actor whose executor is its own serial `DispatchQueue` (``QueueExecutor``), so the blocking libpq
/// calls it makes (`PQconnectdbParams`, `PQexecParams`, `PQexec`) block that queue's thread and never a thread of
/// the cooperative pool. Calls are serialised: one query at a time per connection.
///
/// Results are buffered: a query returns only when all rows have been copied out of libpq.
/// Errors are captured on the spot from the failed `PGresult` (SQLSTATE, primary message, detail, constraint).
/// The connection closes (`PQfinish`) in ``close()`` or when the actor is deinitialised.
///
/// Most code should use ``PostgresPool`` rather than opening connections directly.
public actor PostgresConnection {
    private let executor: QueueExecutor
    private var handle: PostgresConnectionHandle?
    private let logger: Logger
    /// The server process id of this session (`pg_backend_pid()`), for logs and `pg_terminate_backend`.
    public nonisolated let backendPID: Int32

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(executor: QueueExecutor, handle: PostgresConnectionHandle, logger: Logger) {
        self.executor = executor
        self.handle = handle
        self.logger = logger
        backendPID = PQbackendPID(handle.pointer)
    }

    /// Opens a connection. The blocking connect runs on a Dispatch queue, never on the cooperative pool.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/connectionFailed`` when the server is unreachable,
    ///   refuses, rejects authentication, or does not answer within `configuration.connectTimeout`.
    public static func connect(
        configuration: PostgresConfiguration, logger: Logger = Logger(label: "curtail.postgres")
    ) async throws -> PostgresConnection {
        let executor = QueueExecutor(label: "curtail.postgres.connection")
        let handle: PostgresConnectionHandle = try await withCheckedThrowingContinuation { continuation in
            executor.queue.async {
                continuation.resume(with: Result { try PostgresConnectionHandle.connect(configuration) })
            }
        }
        let connection = PostgresConnection(executor: executor, handle: handle, logger: logger)
        logger.debug("postgres connected", metadata: ["backend_pid": "\(connection.backendPID)"])
        return connection
    }

    isolated deinit {
        handle?.finish()
    }

    /// Closes the connection. Later calls throw ``PostgresError/Code/connectionClosed``. Idempotent.
    public func close() {
        handle?.finish()
        handle = nil
    }

    /// True while the connection is open and libpq reports `CONNECTION_OK`.
    ///
    /// A server restart or `pg_terminate_backend` is noticed only when libpq next reads from the socket; see
    /// ``checkAlive()`` for a non-blocking probe.
    public var isUsable: Bool {
        guard let pointer = handle?.pointer else { return false }
        return PQstatus(pointer) == CONNECTION_OK
    }

    /// True when no transaction is open (`PQtransactionStatus == PQTRANS_IDLE`) on a usable connection.
    public var isIdle: Bool {
        guard let pointer = handle?.pointer, PQstatus(pointer) == CONNECTION_OK else { return false }
        return PQtransactionStatus(pointer) == PQTRANS_IDLE
    }

    /// Probes an idle connection without blocking: if the server has sent anything (for example the FATAL error
    /// and EOF of a terminated backend), libpq reads it and updates its status. Returns ``isIdle`` afterwards.
    public func checkAlive() -> Bool {
        guard let pointer = handle?.pointer else { return false }
        // A terminated backend sends a FATAL ErrorResponse and then closes: the first read returns the message
        // (libpq treats it as a notice while idle), a later one sees EOF and marks the connection bad. Read until
        // the socket has nothing more, a bounded number of times.
        for _ in 0..<8 {
            var fds = pollfd(fd: PQsocket(pointer), events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 0) > 0 else { break }
            if PQconsumeInput(pointer) == 0 { return false }
            _ = PQisBusy(pointer)  // parses what was read
            // Drop anything the server pushed while idle (notifications are not expected on pool connections).
            while let notification = PQnotifies(pointer) { PQfreemem(notification) }
            if PQstatus(pointer) != CONNECTION_OK { return false }
        }
        return isIdle
    }

    /// Runs one statement with bound parameters (extended protocol, text format) and returns all rows.
    ///
    /// - Throws: ``PostgresError``: ``PostgresError/Code/server`` with the SQLSTATE when the server rejects the
    ///   statement; ``PostgresError/Code/connectionClosed`` when the connection is (or became) unusable.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) throws -> PostgresRows {
        let pointer = try livePointer(query: query.sql, file: file, line: line)
        let values = query.binds.values.map { $0.flatMap { strdup($0) } }
        defer { values.forEach { free($0) } }
        let types: [Oid] = query.binds.typeOIDs
        let result = values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
            types.withUnsafeBufferPointer { typePointers in
                PQexecParams(
                    pointer, query.sql, Int32(values.count), typePointers.baseAddress, valuePointers.baseAddress,
                    nil, nil, 0)
            }
        }
        return try consume(result, pointer: pointer, sql: query.sql, file: file, line: line)
    }

    /// Runs one statement and returns the number of affected rows (nil for commands that report none).
    ///
    /// - Throws: as ``query(_:file:line:)``.
    @discardableResult
    public func execute(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) throws -> Int? {
        try self.query(query, file: file, line: line).affectedRows
    }

    /// Runs SQL text with no parameters over the simple query protocol, so it may hold several statements
    /// separated by `;` (migration files). Returns the last statement's result.
    ///
    /// Outside an explicit transaction the statements run in one implicit transaction: all or nothing.
    /// - Throws: as ``query(_:file:line:)``; the first failing statement stops the script.
    @discardableResult
    public func executeScript(_ sql: String, file: String = #fileID, line: Int = #line) throws -> PostgresRows {
        let pointer = try livePointer(query: sql, file: file, line: line)
        return try consume(PQexec(pointer, sql), pointer: pointer, sql: sql, file: file, line: line)
    }

    /// Runs `body` in a transaction on this connection: `BEGIN`, then `COMMIT` when `body` returns, `ROLLBACK`
    /// when it throws (the original error is rethrown; a failed ROLLBACK is logged and leaves the connection
    /// unusable, which a pool discards).
    ///
    /// `body` runs isolated to this connection, so its queries cannot interleave with another task's.
    public func withTransaction<Result: Sendable>(
        _ body: (isolated PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try query("BEGIN")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            rollbackAfterError()
            throw error
        }
        try query("COMMIT")
        return result
    }

    /// `ROLLBACK` after a failure inside a transaction. If even that fails, the connection is closed so that it
    /// can never be reused with a transaction open.
    func rollbackAfterError() {
        guard let pointer = handle?.pointer, PQstatus(pointer) == CONNECTION_OK else { return }
        do {
            try query("ROLLBACK")
        } catch {
            logger.warning("postgres rollback failed; closing connection", metadata: ["error": "\(error)"])
            close()
        }
    }

    // MARK: - COPY

    func copyInIsolated(_ sql: String, chunks: [[UInt8]], file: String, line: Int) throws -> Int {
        let pointer = try livePointer(query: sql, file: file, line: line)
        guard let start = PQexec(pointer, sql) else {
            throw PostgresError(
                code: .connectionClosed, message: String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines(),
                query: sql, file: file, line: line)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            // Not a COPY FROM STDIN (or rejected up front): report it as any other statement's result.
            _ = try consume(start, pointer: pointer, sql: sql, file: file, line: line)
            throw PostgresError(
                code: .unexpectedResult, message: "statement is not COPY ... FROM STDIN", query: sql, file: file,
                line: line)
        }
        PQclear(start)
        var sendFailure: String?
        sending: for chunk in chunks where !chunk.isEmpty {
            // Blocking mode: PQputCopyData returns 1 once queued, -1 on failure (never 0).
            var offset = 0
            while offset < chunk.count {
                let size = min(1 << 20, chunk.count - offset)
                let status = chunk.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: size) {
                        PQputCopyData(pointer, $0, Int32(size))
                    }
                }
                if status != 1 {
                    sendFailure = String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines()
                    break sending
                }
                offset += size
            }
        }
        // Ending with an error message makes the server fail the COPY, so nothing partial is kept.
        if PQputCopyEnd(pointer, sendFailure == nil ? nil : "client failed to send COPY data") != 1 {
            sendFailure = sendFailure ?? String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines()
        }
        // Drain every result; the first error wins.
        var firstError: (any Error)?
        var copied = 0
        while let result = PQgetResult(pointer) {
            do {
                let rows = try consume(result, pointer: pointer, sql: sql, file: file, line: line)
                copied = rows.affectedRows ?? copied
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        if let sendFailure {
            throw PostgresError(code: .connectionClosed, message: sendFailure, query: sql, file: file, line: line)
        }
        return copied
    }

    // MARK: - libpq plumbing

    private func livePointer(query: String, file: String, line: Int) throws -> OpaquePointer {
        guard let pointer = handle?.pointer else {
            throw PostgresError(
                code: .connectionClosed, message: "connection is closed", query: query, file: file, line: line)
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            throw PostgresError(
                code: .connectionClosed, message: String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines(),
                query: query, file: file, line: line)
        }
        return pointer
    }

    /// Turns a `PGresult` into rows or a thrown error, and always frees it.
    private func consume(
        _ result: OpaquePointer?, pointer: OpaquePointer, sql: String, file: String, line: Int
    ) throws -> PostgresRows {
        guard let result else {
            // NULL result: out of memory or the connection broke before a result was produced.
            let broken = PQstatus(pointer) != CONNECTION_OK
            throw PostgresError(
                code: broken ? .connectionClosed : .unexpectedResult,
                message: String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines(), query: sql,
                file: file, line: line)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            func field(_ code: Int32) -> String? {
                PQresultErrorField(result, code).map { String(cString: $0) }
            }
            let broken = PQstatus(pointer) != CONNECTION_OK
            let primary =
                field(CURTAIL_PG_DIAG_MESSAGE_PRIMARY)
                ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
            throw PostgresError(
                code: broken ? .connectionClosed : .server, sqlState: field(CURTAIL_PG_DIAG_SQLSTATE),
                message: primary, detail: field(CURTAIL_PG_DIAG_MESSAGE_DETAIL),
                constraintName: field(CURTAIL_PG_DIAG_CONSTRAINT_NAME), query: sql, file: file, line: line)
        default:
            throw PostgresError(
                code: .unexpectedResult, message: String(cString: PQresStatus(status)), query: sql, file: file,
                line: line)
        }
    }

    private static func rows(of result: OpaquePointer) -> PostgresRows {
        let fieldCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = PostgresColumns(names: (0..<fieldCount).map { String(cString: PQfname(result, $0)) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(fieldCount))
            for f in 0..<fieldCount {
                if PQgetisnull(result, r, f) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, r, f))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, r, f)!).assumingMemoryBound(to: UInt8.self)
                    values.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let tag = String(cString: PQcmdStatus(result))
        let tuples = String(cString: PQcmdTuples(result))
        return PostgresRows(columns: columns, rows: rows, commandTag: tag, affectedRows: Int(tuples))
    }
}

extension PostgresConnection {
    /// Streams rows into a table with `COPY ... FROM STDIN`: the fastest way to load many rows.
    ///
    /// `sql` is the COPY statement (`COPY staging (a, b) FROM STDIN`, text format unless it says otherwise); `data`
    /// is the whole payload in that format, sent in chunks of at most 1 MiB. Escaping the payload is the caller's
    /// job (``PostgresCopy/escapeText(_:)`` for the text format). Returns the number of rows copied.
    ///
    /// Inside a transaction, a failed COPY aborts it like any failed statement.
    /// - Throws: ``PostgresError``: ``PostgresError/Code/server`` with the SQLSTATE when the server rejects the
    ///   statement or a row (`22P02` bad input, `23505` in a unique target, ...); ``PostgresError/Code/connectionClosed``.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8], file: String = #fileID, line: Int = #line) throws -> Int {
        try copyIn(sql, chunks: [data], file: file, line: line)
    }

    /// As ``copyIn(_:data:file:line:)``, with the payload already split into chunks (each sent as it is).
    @discardableResult
    public func copyIn(_ sql: String, chunks: [[UInt8]], file: String = #fileID, line: Int = #line) throws -> Int {
        try copyInIsolated(sql, chunks: chunks, file: file, line: line)
    }
}
