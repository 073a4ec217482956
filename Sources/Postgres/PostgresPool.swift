import Logging
import Synchronization

/// A bounded pool of ``PostgresConnection``s: the `Sendable` database client the rest of Curtail uses.
///
/// - Connections open lazily, on demand, up to ``Configuration/maxConnections`` (default 10).
/// - When all are leased, a caller waits in FIFO order for at most ``Configuration/acquireTimeout`` (default 10 s),
///   then gets ``PostgresError/Code/poolTimeout``. A cancelled waiter gets `CancellationError`.
/// - A connection goes back to the pool on every path. One that broke (server restart, `pg_terminate_backend`),
///   or that was left inside a transaction, is closed and its slot freed; the next caller opens a fresh one.
///   Idle connections are probed without blocking before reuse, so a server restart costs no failed query when the
///   server's goodbye has already arrived.
/// - ``close()`` fails waiters and later calls with ``PostgresError/Code/poolClosed``.
///
/// State lives in a `Mutex`; continuations are resumed after the lock is released.
///
/// ```swift
/// let pool = PostgresPool(configuration: .init(connection: .init(connectionString: url)))
/// let name = try await pool.withConnection { conn in
///     try await conn.query("SELECT name FROM vehicles WHERE id = \(id)").first?.decode(String.self, column: "name")
/// }
/// ```
public final class PostgresPool: Sendable {
    private enum Lease: Sendable {
        case idle(PostgresConnection)
        /// The caller owns a slot and must open a connection (or give the slot back).
        case create
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Idle + leased + connecting; never above `maxConnections`.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    /// The pool's limits.
    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates a pool. Opens no connection until the first use.
    public init(configuration: Configuration, logger: Logger = Logger(label: "curtail.postgres.pool")) {
        precondition(configuration.maxConnections >= 1, "maxConnections must be at least 1")
        self.configuration = configuration
        self.logger = logger
    }

    /// The number of open connections (idle, leased or connecting), for metrics and tests.
    public var openConnections: Int { state.withLock { $0.open } }

    /// The number of idle connections, for metrics and tests.
    public var idleConnections: Int { state.withLock { $0.idle.count } }

    /// Leases a connection for the duration of `body` and returns it to the pool on every path.
    ///
    /// `body` must not keep the connection after it returns. A transaction left open by `body` is not
    /// committed: the connection is closed instead of reused.
    /// - Throws: ``PostgresError/Code/poolTimeout``, ``PostgresError/Code/poolClosed``,
    ///   ``PostgresError/Code/connectionFailed``, `CancellationError`, or whatever `body` throws.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let connection = try await acquire()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await release(connection)
            throw error
        }
        await release(connection)
        return result
    }

    /// Runs `body` in a transaction: `BEGIN`; `COMMIT` when `body` returns; `ROLLBACK` when it throws (then the
    /// original error is rethrown). The isolation level is the server default (READ COMMITTED) unless `body`
    /// sets it first (`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`).
    ///
    /// Retrying on ``PostgresError/isSerializationFailure`` is the caller's decision: only it knows whether
    /// `body` is safe to run twice.
    /// - Throws: as ``withConnection(isolation:_:)``, plus a failed `COMMIT` (the transaction is then rolled back).
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let connection = try await acquire()
        let result: Result
        do {
            try await connection.query("BEGIN")
            result = try await body(connection)
            try await connection.query("COMMIT")
        } catch {
            await connection.rollbackAfterError()
            await release(connection)
            throw error
        }
        await release(connection)
        return result
    }

    /// Runs one statement on a pooled connection and returns all rows.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRows {
        let connection = try await acquire()
        do {
            let rows = try await connection.query(query, file: file, line: line)
            await release(connection)
            return rows
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs one statement on a pooled connection and returns the affected row count.
    @discardableResult
    public func execute(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> Int? {
        try await self.query(query, file: file, line: line).affectedRows
    }

    /// Sends a notification with `SELECT pg_notify($1, $2)`: both channel and payload are bound parameters.
    /// Listeners receive it when the surrounding transaction (if any) commits. Payloads are limited to 8000 bytes.
    public func notify(channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Opens a dedicated connection (outside the pool's limit) that listens on `channel`.
    ///
    /// The stream ends when the consumer stops iterating (the listener connection is then closed) or when the
    /// connection is lost; notifications sent while no connection listens are not delivered.
    /// - Throws: ``PostgresError`` if connecting or `LISTEN` fails.
    public func listen(channel: String) async throws -> AsyncStream<PostgresNotification> {
        let listener = try await PostgresListener.connect(configuration: configuration.connection, logger: logger)
        let inner = try await listener.listen(channel: channel)
        return AsyncStream { continuation in
            let forward = Task {
                for await notification in inner { continuation.yield(notification) }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                forward.cancel()
                Task { await listener.close() }
            }
        }
    }

    /// Closes idle connections now and leased ones when they are returned; fails waiting and later callers
    /// with ``PostgresError/Code/poolClosed``. Idempotent.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            let idle = state.idle
            let waiters = state.waiters
            state.open -= idle.count
            state.idle = []
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed))
        }
        for connection in idle { await connection.close() }
    }

    // MARK: - Leasing

    private func acquire() async throws -> PostgresConnection {
        while true {
            switch try await lease() {
            case .idle(let connection):
                if await connection.checkAlive() { return connection }
                logger.info(
                    "postgres discarding broken idle connection", metadata: ["backend_pid": "\(connection.backendPID)"])
                await connection.close()
                freeSlot()
            case .create:
                do {
                    return try await PostgresConnection.connect(configuration: configuration.connection, logger: logger)
                } catch {
                    freeSlot()
                    throw error
                }
            }
        }
    }

    private func lease() async throws -> Lease {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let immediate: Swift.Result<Lease, any Error>? = state.withLock { state in
                    if state.closed { return .failure(PostgresError(code: .poolClosed)) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(.idle(connection)) }
                    if state.open < configuration.maxConnections {
                        state.open += 1
                        return .success(.create)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                    return
                }
                let timeout = configuration.acquireTimeout
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    self?.failWaiter(id: id, with: PostgresError(code: .poolTimeout))
                }
                let stale = state.withLock { state in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return true }
                    state.waiters[index].timer = timer
                    return false
                }
                if stale { timer.cancel() }
            }
        } onCancel: {
            failWaiter(id: id, with: CancellationError())
        }
    }

    private func failWaiter(id: Int, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    /// Gives a slot back: hands it to the first waiter as `.create`, or lowers the open count.
    private func freeSlot() {
        let waiter = state.withLock { state -> Waiter? in
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.open -= 1
            return nil
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .create)
        }
    }

    private func release(_ connection: PostgresConnection) async {
        guard await connection.isIdle else {
            logger.info(
                "postgres discarding unusable connection", metadata: ["backend_pid": "\(connection.backendPID)"])
            await connection.close()
            freeSlot()
            return
        }
        enum Next {
            case handOver(Waiter)
            case keep
            case close
        }
        let next = state.withLock { state -> Next in
            if state.closed {
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handOver(let waiter):
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .idle(connection))
        case .keep:
            break
        case .close:
            await connection.close()
        }
    }
}
