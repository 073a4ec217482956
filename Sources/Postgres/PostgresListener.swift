import CLibPQ
import Dispatch
import Logging

/// A dedicated connection that receives `NOTIFY`s and delivers them as `AsyncStream`s.
///
/// Isolation: an actor on its own serial queue (``QueueExecutor``); a `DispatchSource` on the connection's socket
/// runs on that same queue and reads notifications as they arrive, so nothing ever blocks the cooperative pool and
/// no thread sits waiting.
///
/// Each ``listen(channel:)`` returns its own stream; several streams may share a channel. A stream buffers at most
/// ``bufferLimit`` undelivered notifications and then drops the oldest. Every stream finishes when the connection is
/// lost or ``close()`` is called; listening again needs a new listener. The connection closes on ``close()`` or when
/// the actor is deinitialised.
public actor PostgresListener {
    /// Undelivered notifications kept per stream before the oldest are dropped.
    public static let bufferLimit = 10_000

    private let executor: QueueExecutor
    private var handle: PostgresConnectionHandle?
    private var source: (any DispatchSourceRead)?
    private var subscribers: [String: [Int: AsyncStream<PostgresNotification>.Continuation]] = [:]
    private var nextSubscriberID = 0
    private let logger: Logger

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(executor: QueueExecutor, handle: PostgresConnectionHandle, logger: Logger) {
        self.executor = executor
        self.handle = handle
        self.logger = logger
    }

    /// Opens the listener's connection. The blocking connect runs on a Dispatch queue.
    /// - Throws: ``PostgresError/Code/connectionFailed``.
    public static func connect(
        configuration: PostgresConfiguration, logger: Logger = Logger(label: "curtail.postgres.listener")
    ) async throws -> PostgresListener {
        let executor = QueueExecutor(label: "curtail.postgres.listener")
        let handle: PostgresConnectionHandle = try await withCheckedThrowingContinuation { continuation in
            executor.queue.async {
                continuation.resume(with: Result { try PostgresConnectionHandle.connect(configuration) })
            }
        }
        let listener = PostgresListener(executor: executor, handle: handle, logger: logger)
        await listener.startReading()
        return listener
    }

    isolated deinit {
        shutdown()
    }

    /// Starts listening on `channel` (`LISTEN "channel"`, quoted, so any string is safe) and returns a stream of
    /// its notifications. Stop iterating (or cancel the iterating task) to unsubscribe.
    /// - Throws: ``PostgresError`` if the listener is closed or `LISTEN` fails.
    public func listen(channel: String) throws -> AsyncStream<PostgresNotification> {
        try run("LISTEN " + PostgresQuery.quoteIdentifier(channel))
        let (stream, continuation) = AsyncStream.makeStream(
            of: PostgresNotification.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        nextSubscriberID += 1
        let id = nextSubscriberID
        subscribers[channel, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(channel: channel, id: id) }
        }
        deliverPending()
        return stream
    }

    /// Finishes every stream and closes the connection. Idempotent.
    public func close() {
        shutdown()
    }

    // MARK: - Internals

    private func startReading() {
        guard let pointer = handle?.pointer else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: PQsocket(pointer), queue: executor.queue)
        source.setEventHandler { [weak self] in
            self?.assumeIsolated { $0.readAvailable() }
        }
        source.resume()
        self.source = source
    }

    private func readAvailable() {
        guard let pointer = handle?.pointer else { return }
        if PQconsumeInput(pointer) == 0 || PQstatus(pointer) != CONNECTION_OK {
            logger.warning("postgres listener lost its connection")
            shutdown()
            return
        }
        deliverPending()
    }

    private func deliverPending() {
        guard let pointer = handle?.pointer else { return }
        while let raw = PQnotifies(pointer) {
            let notification = PostgresNotification(
                channel: String(cString: raw.pointee.relname), payload: String(cString: raw.pointee.extra),
                senderPID: raw.pointee.be_pid)
            PQfreemem(raw)
            for continuation in subscribers[notification.channel, default: [:]].values {
                continuation.yield(notification)
            }
        }
    }

    private func unsubscribe(channel: String, id: Int) {
        subscribers[channel]?[id] = nil
        guard subscribers[channel]?.isEmpty == true else { return }
        subscribers[channel] = nil
        try? run("UNLISTEN " + PostgresQuery.quoteIdentifier(channel))
    }

    /// Runs a parameterless command with the blocking `PQexec` (on this actor's own queue).
    private func run(_ sql: String) throws {
        guard let pointer = handle?.pointer, PQstatus(pointer) == CONNECTION_OK else {
            throw PostgresError(code: .connectionClosed, message: "listener is closed")
        }
        guard let result = PQexec(pointer, sql) else {
            throw PostgresError(code: .connectionClosed, message: String(cString: PQerrorMessage(pointer)))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw PostgresError(
                code: PQstatus(pointer) == CONNECTION_OK ? .server : .connectionClosed,
                sqlState: PQresultErrorField(result, CURTAIL_PG_DIAG_SQLSTATE).map { String(cString: $0) },
                message: String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines(), query: sql)
        }
    }

    private func shutdown() {
        let all = subscribers.values.flatMap(\.values)
        subscribers = [:]
        for continuation in all { continuation.finish() }
        if let source {
            // The socket must stay open until the source is cancelled: close it in the cancel handler.
            let handle = self.handle
            source.setCancelHandler { handle?.finish() }
            source.cancel()
        } else {
            handle?.finish()
        }
        source = nil
        handle = nil
    }
}
