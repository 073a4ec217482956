import CLibPQ
import Foundation

/// Owns one `PGconn*` and calls `PQfinish` exactly once, in `deinit` or ``finish()``.
///
/// This type's sole job is to own the C handle. Its Sendable conformance is unchecked so that it can be handed to the one
/// serial context that uses it (an actor on a ``QueueExecutor``, or a `DispatchQueue` and its sources). Invariant:
/// every use of ``pointer`` happens on that one serial context; libpq allows a `PGconn` to be used from any thread,
/// but never from two at once.
final class PostgresConnectionHandle: @unchecked Sendable {
    private(set) var pointer: OpaquePointer?

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Closes the connection now; later uses see `pointer == nil`.
    func finish() {
        if let pointer { PQfinish(pointer) }
        pointer = nil
    }

    deinit {
        if let pointer { PQfinish(pointer) }
    }

    /// Opens a connection, blocking the calling thread for at most the configured connect timeout.
    /// Call it only on a Dispatch queue, never on the cooperative pool.
    static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnectionHandle {
        // expand_dbname = 1: the first "dbname" may be a full connection string; later keywords override it.
        let pairs = [
            ("dbname", configuration.connectionString),
            ("connect_timeout", String(configuration.connectTimeoutSeconds)),
            ("application_name", configuration.applicationName),
        ]
        let keys = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let conn = (keys.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { k in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let conn else {
            throw PostgresError(code: .connectionFailed, message: "out of memory")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines()
            PQfinish(conn)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        // libpq prints NOTICE/WARNING messages to stderr by default ("relation ... already exists, skipping").
        // They are advisory and may quote values, so they are dropped rather than written unstructured.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        return PostgresConnectionHandle(conn)
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return String(s)
    }
}
