import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Curtail's HTTP/1.1 server on POSIX sockets and Dispatch.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), responder: router.buildResponder(), logger: logger)
/// let address = try server.start()
/// // ...
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
///
/// Thread-safe: all mutable state is in a `Mutex`; each connection is its own actor.
public final class HTTPServer: Sendable {
    /// What every connection needs, frozen at start.
    struct Shared: Sendable {
        let configuration: HTTPServerConfiguration
        let responder: any HTTPResponder
        let logger: Logger
        /// Serial queues, one per core, that the connections' queues target. Without them Dispatch
        /// gives every connection with work its own thread: 3,000 slowloris connections trickling bytes spent half
        /// the server's CPU switching threads (`perf`: finish_task_switch, spin unlocks, in overcommit threads).
        /// Nothing blocks on a connection's queue (handlers run on the cooperative pool), so sharing is safe.
        let lanes: [DispatchQueue]

        /// The lane for a connection's socket: by descriptor number, which spreads connections evenly enough.
        func lane(for socket: Socket) -> DispatchQueue { lanes[Int(socket.fd) % lanes.count] }
    }

    private enum State {
        case idle
        case listening(socket: Socket, source: any DispatchSourceRead)
        case stopped
    }

    private struct Connections {
        var open: [ObjectIdentifier: HTTPServerConnection] = [:]
        var accepting = true
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let shared: Shared
    private let acceptQueue = DispatchQueue(label: "curtail.http.accept")
    private let state = Mutex<State>(.idle)
    private let connections = Mutex(Connections())
    /// The context new connections handshake with; swapped by ``replaceTLSContext(_:)``.
    private let tlsContext: Mutex<TLSContext?>

    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        let lanes = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map { DispatchQueue(label: "curtail.http.lane.\($0)") }
        shared = Shared(configuration: configuration, responder: responder, logger: logger, lanes: lanes)
        tlsContext = Mutex(configuration.tls)
    }

    /// Serves connections accepted from now on with `context` (a renewed certificate, say); connections already
    /// open keep the context they started with, which stays alive until the last of them closes.
    /// - Precondition: the server was configured with TLS (a plain server does not start speaking TLS).
    public func replaceTLSContext(_ context: TLSContext) {
        tlsContext.withLock { current in
            precondition(current != nil, "replaceTLSContext on a server configured without TLS")
            current = context
        }
        shared.logger.info("TLS context replaced; new connections use it")
    }

    /// The number of open connections (a metrics gauge).
    public var openConnectionCount: Int { connections.withLock { $0.open.count } }

    /// Binds, listens and starts accepting. Returns the bound address (the real port when configured with 0).
    /// - Throws: ``SocketError`` when the address cannot be bound.
    @discardableResult
    public func start() throws -> SocketAddress {
        Self.raiseFileDescriptorLimit()
        let configuration = shared.configuration
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw SocketError(operation: "parse listen address \(configuration.host)", code: EINVAL)
        }
        let socket = try Socket.tcp(family: address.family)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            try socket.bind(address)
            try socket.listen(backlog: configuration.backlog)
        } catch {
            socket.close()
            throw error
        }
        state.withLock { state in
            // Made inside the lock: a Dispatch source is not Sendable, so it never leaves the state it lives in.
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: acceptQueue)
            source.setEventHandler { [weak self] in self?.acceptPending(on: socket) }
            source.setCancelHandler { socket.close() }
            state = .listening(socket: socket, source: source)
            source.resume()
        }
        let bound = try socket.localAddress()
        shared.logger.info("listening", metadata: ["address": "\(bound)", "tls": "\(configuration.tls != nil)"])
        return bound
    }

    /// Stops accepting, lets in-flight requests finish (their responses carry `Connection: close`), closes idle
    /// connections, and returns when all are closed or `gracePeriod` has passed (then the rest are cut).
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        state.withLock { state in
            if case .listening(_, let source) = state { source.cancel() }
            state = .stopped
        }
        let open = connections.withLock { connections in
            connections.accepting = false
            return Array(connections.open.values)
        }
        for connection in open { await connection.drain() }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilDrained(); return true }
            group.addTask { try? await Task.sleep(for: gracePeriod); return false }
            let finished = await group.next() ?? false
            group.cancelAll()
            // The drain waiter ignores cancellation, and the group awaits it before returning: when the grace
            // period is over, end it by closing what is left, here, rather than after the group.
            if !finished {
                let remaining = connections.withLock { Array($0.open.values) }
                shared.logger.warning("shutdown grace period over; closing connections", metadata: ["count": "\(remaining.count)"])
                for connection in remaining { await connection.forceClose() }
            }
        }
        shared.logger.info("server stopped")
    }

    private func waitUntilDrained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = connections.withLock { connections in
                if connections.open.isEmpty { return true }
                connections.drained.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func acceptPending(on listener: Socket) {
        // Bounded per event so a connection flood cannot monopolise the accept queue.
        for _ in 0..<256 {
            let client: Socket?
            do {
                client = try listener.accept()
            } catch {
                // EMFILE and friends: log once per event and retry on the next readiness.
                shared.logger.error("accept failed", metadata: ["error": "\(error)"])
                return
            }
            guard let client else { return }
            _ = try? client.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let peer = (try? Self.peerAddress(client)) ?? "unknown"
            let connection: HTTPServerConnection
            do {
                connection = try HTTPServerConnection(
                    socket: client, shared: shared, tls: tlsContext.withLock { $0 }, remoteAddress: peer)
            } catch {
                client.close()
                continue
            }
            let key = ObjectIdentifier(connection)
            let accepted = connections.withLock { connections in
                guard connections.accepting else { return false }
                connections.open[key] = connection
                return true
            }
            guard accepted else {
                client.close()
                return
            }
            Task { await connection.start { [weak self] in self?.connectionClosed(key) } }
        }
    }

    private func connectionClosed(_ key: ObjectIdentifier) {
        let waiters = connections.withLock { connections -> [CheckedContinuation<Void, Never>] in
            connections.open[key] = nil
            guard connections.open.isEmpty else { return [] }
            defer { connections.drained = [] }
            return connections.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func peerAddress(_ socket: Socket) throws -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(socket.fd, $0, &length) }
        }
        guard result == 0 else { throw SocketError.makeFailed("getpeername") }
        return SocketAddress(storage: storage).description
    }

    /// Idle keep-alive connections cost file descriptors: lift the soft limit to the hard one.
    static func raiseFileDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    private static let requestCounter = Atomic<Int>(0)
    private static let processTag = String(UInt32.random(in: .min ... .max), radix: 36)

    /// The client's `X-Request-Id` when it is short and printable, else a new one.
    static func requestID(from headers: HTTPHeaders) -> String {
        if let given = headers["X-Request-Id"], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        {
            return given
        }
        let n = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(processTag)-\(String(n, radix: 36))"
    }
}
