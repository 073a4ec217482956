import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One client connection to one host: connects, handshakes, then carries one request at a time.
///
/// Event-driven like ``HTTPServerConnection``: Dispatch read and write sources wake it, and its executor is the
/// serial queue that delivers them, so a request in flight costs a continuation, not a thread. Name resolution
/// (blocking `getaddrinfo`) also runs on that queue, never on the cooperative pool. Deadlines are a Dispatch
/// timer; on expiry the exchange fails with ``HTTPClientError/Code/timeout`` and the connection is closed,
/// since its state is then unknown.
///
/// The descriptor is closed only after both sources' cancel handlers ran.
actor HTTPClientConnection {
    /// How one exchange ended.
    enum Outcome: Sendable {
        /// The response, and whether the connection may carry another request.
        case response(HTTPResponse, keepAlive: Bool)
        /// `sentNothing`: not one request byte left this side. `receivedNothing`: no response byte arrived.
        case failed(HTTPClientError, sentNothing: Bool, receivedNothing: Bool)
    }

    private enum Phase {
        case initial, connecting, handshaking, idle, writing, reading, closed
    }

    private enum Waiter {
        case connect(CheckedContinuation<HTTPClientError?, Never>)
        case exchange(CheckedContinuation<Outcome, Never>)
    }

    nonisolated let id: UInt64
    nonisolated let key: HTTPPoolKey
    private let executor: QueueExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Set once, when the connection closes; the pool reads it without hopping onto the actor.
    private let closedFlag = Atomic<Bool>(false)
    nonisolated var isClosed: Bool { closedFlag.load(ordering: .acquiring) }

    private let tls: TLSContext?
    private let limits: HTTPLimits
    private let idleTimeout: Duration
    private let permitsDestination: (@Sendable (IPAddress) -> Bool)?
    private var onClose: (@Sendable (UInt64) -> Void)?

    private var phase = Phase.initial
    private var socket: Socket?
    private var transport: Transport?
    private var events: SocketEvents?
    private var timer: (any DispatchSourceTimer)?
    private var waiter: Waiter?
    private var currentToken: UInt64 = 0
    private var cancelledToken: UInt64 = 0
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var closeAfterExchange = false
    private var decoder: HTTPResponseDecoder

    /// - Parameter onClose: runs once, after the descriptor is closed, with ``id``.
    init(
        id: UInt64, key: HTTPPoolKey, tls: TLSContext?, limits: HTTPLimits, idleTimeout: Duration,
        permitsDestination: (@Sendable (IPAddress) -> Bool)? = nil, onClose: @escaping @Sendable (UInt64) -> Void
    ) {
        self.id = id
        self.key = key
        self.tls = tls
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.permitsDestination = permitsDestination
        self.onClose = onClose
        executor = QueueExecutor(label: "curtail.http.client.connection")
        decoder = HTTPResponseDecoder(requestMethod: .get, limits: limits)
    }

    // MARK: Connecting

    /// Resolves, connects and (for HTTPS) handshakes, by `deadline`. Returns `nil` on success; on failure the
    /// connection is already closed.
    func connect(deadline: DispatchTime, token: UInt64) async -> HTTPClientError? {
        guard phase == .initial else { return HTTPClientError(.connectionClosed, host: key.description, "connect called twice") }
        currentToken = token
        if cancelledToken == token {
            close()
            return HTTPClientError(.cancelled, host: key.description)
        }
        return await withCheckedContinuation { continuation in
            waiter = .connect(continuation)
            startConnecting(deadline: deadline)
        }
    }

    private func startConnecting(deadline: DispatchTime) {
        phase = .connecting
        armTimer(deadline)
        let socket: Socket
        do {
            // Blocking, but on this connection's own queue: the cooperative pool is never held up by DNS.
            let address = try SocketAddress.resolve(host: key.host, port: key.port)
            if let permitsDestination, !(address.ipAddress.map(permitsDestination) ?? false) {
                fail(HTTPClientError(.destinationRefused, host: key.description, "the address \(address) is not permitted"))
                return
            }
            socket = try Socket.tcp(family: address.family)
            self.socket = socket
            _ = try? socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            makeSources(for: socket)
            if try socket.connect(address) {
                connected()
            } else {
                armWrite()  // writable = the connect finished, one way or the other
            }
        } catch {
            fail(HTTPClientError(.connectFailed, host: key.description, underlying: error))
        }
    }

    private func connected() {
        guard let socket else { return }
        disarmWrite()
        if let error = socket.pendingError() {
            fail(HTTPClientError(.connectFailed, host: key.description, underlying: error))
            return
        }
        guard key.secure else {
            transport = .plain(socket)
            finishConnecting()
            return
        }
        guard let tls else {
            fail(HTTPClientError(.tlsFailed, host: key.description, "no TLS context"))
            return
        }
        do {
            // SNI and hostname (or IP) verification against the certificate are set up by TLSSession.
            transport = .tls(socket, try TLSSession(context: tls, socket: socket, serverName: key.host))
        } catch {
            fail(HTTPClientError(.tlsFailed, host: key.description, underlying: error))
            return
        }
        phase = .handshaking
        armRead()
        handshake()
    }

    private func handshake() {
        guard case .tls(_, let session) = transport else { return }
        do {
            switch try session.handshake() {
            case .bytes:
                finishConnecting()
            case .wouldBlock:
                // TLSSession does not say whether it wants to read or write. The handshake flights are small and
                // the send buffer is empty, so in practice it waits for the server: readability wakes it.
                armRead()
            case .closed:
                fail(HTTPClientError(.tlsFailed, host: key.description, "the server closed the connection during the handshake"))
            }
        } catch {
            fail(HTTPClientError(.tlsFailed, host: key.description, underlying: error))
        }
    }

    private func finishConnecting() {
        phase = .idle
        armRead()  // while idle, readability means the server closed (or misbehaved): see readable()
        armTimer(.distantFuture)
        guard case .connect(let continuation) = waiter else { return }
        waiter = nil
        continuation.resume(returning: nil)
    }

    // MARK: One exchange

    /// Writes `request` and reads its response by `deadline`. The connection must be idle.
    /// - Parameter closeAfter: the request asked for `Connection: close`.
    func exchange(
        _ request: [UInt8], method: HTTPMethod, closeAfter: Bool, deadline: DispatchTime, token: UInt64
    ) async -> Outcome {
        guard phase == .idle else {
            let error = HTTPClientError(.connectionClosed, host: key.description, "the pooled connection was closed")
            return .failed(error, sentNothing: true, receivedNothing: true)
        }
        currentToken = token
        if cancelledToken == token {
            close()
            return .failed(HTTPClientError(.cancelled, host: key.description), sentNothing: true, receivedNothing: true)
        }
        return await withCheckedContinuation { continuation in
            waiter = .exchange(continuation)
            decoder = HTTPResponseDecoder(requestMethod: method, limits: limits)
            outbound = request
            outboundOffset = 0
            closeAfterExchange = closeAfter
            phase = .writing
            armTimer(deadline)
            flush()
        }
    }

    private func flush() {
        guard let transport else { return }
        while outboundOffset < outbound.count {
            let result = outbound.withUnsafeBytes { transport.write(UnsafeRawBufferPointer(rebasing: $0[outboundOffset...])) }
            switch result {
            case .bytes(let count):
                outboundOffset += count
            case .wouldBlock:
                armWrite()
                return
            case .closed:
                fail(HTTPClientError(.connectionClosed, host: key.description, "the server closed the connection while the request was sent"))
                return
            }
        }
        disarmWrite()
        phase = .reading
        processResponse(endOfStream: false)  // it may have arrived while the body was still going out
    }

    private func readable() {
        switch phase {
        case .handshaking:
            handshake()
        case .writing, .reading:
            readResponse()
        case .idle:
            // Nothing is expected between exchanges. TLS 1.3 session tickets are consumed by SSL_read, which
            // then reports "would block"; data or EOF means the connection can no longer be used.
            guard let transport else { return }
            var byte: UInt8 = 0
            let result = withUnsafeMutableBytes(of: &byte) { transport.read(into: $0) }
            if result != .wouldBlock { close() }
        case .initial, .connecting, .closed:
            break
        }
    }

    private func readResponse() {
        guard let transport else { return }
        var endOfStream = false
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { buffer in
            // Bounded per event so one busy connection cannot starve its queue; the source fires again.
            for _ in 0..<8 {
                switch transport.read(into: buffer) {
                case .bytes(let count):
                    decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                case .wouldBlock:
                    return
                case .closed:
                    endOfStream = true
                    return
                }
            }
        }
        processResponse(endOfStream: endOfStream)
    }

    private func processResponse(endOfStream: Bool) {
        do {
            let decoded = endOfStream ? try decoder.finishAtEndOfStream() : try decoder.next()
            if let decoded {
                // An early response (before the whole request went out) leaves the framing ambiguous: close.
                let keepAlive = decoded.keepAlive && phase == .reading && !endOfStream && !closeAfterExchange
                guard case .exchange(let continuation) = waiter else { return }
                waiter = nil
                if keepAlive {
                    phase = .idle
                    outbound = []
                    armTimer(.now() + idleTimeout.dispatchInterval)
                } else {
                    close()
                }
                continuation.resume(returning: .response(decoded.response, keepAlive: keepAlive))
                return
            }
            if endOfStream {
                fail(HTTPClientError(.connectionClosed, host: key.description, "the server closed the connection before the response was complete"))
            }
        } catch {
            fail(HTTPClientError(.invalidResponse, host: key.description, underlying: error))
        }
    }

    private func writable() {
        switch phase {
        case .connecting: connected()
        case .handshaking: handshake()
        case .writing: flush()
        default: disarmWrite()
        }
    }

    // MARK: Deadlines and cancellation

    private func armTimer(_ deadline: DispatchTime) {
        if let timer {
            timer.schedule(deadline: deadline)
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: executor.queue)
        timer.setEventHandler { [weak self] in self?.assumeIsolated { $0.timedOut() } }
        timer.schedule(deadline: deadline)
        self.timer = timer
        timer.resume()
    }

    private func timedOut() {
        switch phase {
        case .idle:
            close()  // the idle timeout
        case .connecting, .handshaking:
            fail(HTTPClientError(.timeout, host: key.description, "the connection was not established in time"))
        case .writing, .reading:
            fail(HTTPClientError(.timeout, host: key.description, "the request deadline passed"))
        case .initial, .closed:
            break
        }
    }

    /// Fails the connect or exchange started with `token` (now, or when it starts) and closes the connection.
    /// Safe from any context, e.g. a task cancellation handler.
    nonisolated func cancel(token: UInt64) {
        executor.queue.async { [weak self] in self?.assumeIsolated { $0.cancelled(token: token) } }
    }

    private func cancelled(token: UInt64) {
        if token == currentToken {
            if waiter != nil { fail(HTTPClientError(.cancelled, host: key.description)) }
        } else {
            cancelledToken = token
        }
    }

    /// Closes the connection if no exchange is in flight (pool shutdown, or an idle connection the pool drops).
    func closeIfIdle() {
        if phase == .idle || phase == .initial { close() }
    }

    nonisolated func closeIfIdleSoon() {
        executor.queue.async { [weak self] in self?.assumeIsolated { $0.closeIfIdle() } }
    }

    // MARK: Sources and closing

    private func makeSources(for socket: Socket) {
        events = SocketEvents(
            fd: socket.fd, queue: executor.queue,
            readable: { [weak self] in self?.assumeIsolated { $0.readable() } },
            writable: { [weak self] in self?.assumeIsolated { $0.writable() } },
            // Strong on purpose: an open descriptor keeps its connection alive until both sources are cancelled,
            // so the descriptor is closed even after the pool and the caller have dropped the connection (e.g.
            // after a timeout). Dispatch releases the handler once it has run, which breaks the cycle.
            onCancelled: { self.assumeIsolated { $0.finishClose() } })
    }

    private func armRead() { events?.startReading() }
    private func armWrite() { events?.startWriting() }
    private func disarmWrite() { events?.stopWriting() }

    /// Fails the pending connect or exchange with `error` and closes.
    private func fail(_ error: HTTPClientError) {
        let pending = waiter
        waiter = nil
        let sentNothing = outboundOffset == 0
        let receivedNothing = !decoder.hasReceivedBytes
        close()
        switch pending {
        case .connect(let continuation): continuation.resume(returning: error)
        case .exchange(let continuation):
            continuation.resume(returning: .failed(error, sentNothing: sentNothing, receivedNothing: receivedNothing))
        case nil: break
        }
    }

    private func close() {
        guard phase != .closed else { return }
        phase = .closed
        closedFlag.store(true, ordering: .releasing)
        timer?.cancel()
        timer = nil
        // The descriptor closes once the sources are cancelled (SocketEvents' onCancelled), or now if none exist.
        if events != nil {
            events?.cancel()
            events = nil
        } else {
            finishClose()
        }
    }

    private func finishClose() {
        if let transport {
            transport.close()
        } else {
            socket?.close()
        }
        transport = nil
        socket = nil
        onClose?(id)
        onClose = nil
    }
}
