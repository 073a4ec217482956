import Dispatch
import Logging

/// One accepted connection: reads requests, hands each to the responder, writes responses in order.
///
/// Event-driven: a Dispatch read source wakes it when bytes arrive, so an idle keep-alive connection costs a
/// file descriptor and a few hundred bytes, not a thread. All state is isolated to this actor, whose executor is
/// the same serial queue that delivers its socket events.
///
/// Requests on one connection are handled one at a time; pipelined requests wait in the decoder's buffer and
/// are answered in order (RFC 9112 §9.3.2).
actor HTTPServerConnection {
    private enum Phase: Equatable {
        /// Between requests: waiting for the first byte of the next one.
        case idle
        case readingHead
        case readingBody
        /// The responder has the request.
        case responding
        /// Response bytes are queued and the socket is full.
        case writing
        case closed
    }

    private let executor: QueueExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let transport: Transport
    private let shared: HTTPServer.Shared
    private let remoteAddress: String
    private var decoder: HTTPRequestDecoder
    private var phase = Phase.idle
    private var events: SocketEvents?
    private var timer: (any DispatchSourceTimer)?
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var closeWhenFlushed = false
    private var draining = false
    private var onClose: (@Sendable () -> Void)?
    private var descriptorClosed = false

    /// - Parameter tls: the context to handshake with (the server's current one), or `nil` for plain HTTP.
    init(socket: Socket, shared: HTTPServer.Shared, tls: TLSContext?, remoteAddress: String) throws {
        executor = QueueExecutor(label: "curtail.http.connection", target: shared.lane(for: socket))
        if let tls {
            transport = .tls(socket, try TLSSession(context: tls, socket: socket, serverName: nil))
        } else {
            transport = .plain(socket)
        }
        self.shared = shared
        self.remoteAddress = remoteAddress
        self.decoder = HTTPRequestDecoder(limits: shared.configuration.limits)
    }

    /// Arms the event sources. Call once, right after `init`; `onClose` runs once, when the descriptor is closed.
    func start(onClose: @escaping @Sendable () -> Void) {
        self.onClose = onClose
        guard phase != .closed else {  // drained before it started
            finishClose()
            return
        }
        events = SocketEvents(
            fd: transport.socket.fd, queue: executor.queue,
            readable: { [weak self] in self?.assumeIsolated { $0.readable() } },
            writable: { [weak self] in self?.assumeIsolated { $0.writable() } },
            onCancelled: { [weak self] in self?.assumeIsolated { $0.finishClose() } })
        let timer = DispatchSource.makeTimerSource(queue: executor.queue)
        timer.setEventHandler { [weak self] in self?.assumeIsolated { $0.timedOut() } }
        self.timer = timer
        timer.resume()
        events?.startReading()
        enter(.idle)
    }

    /// Graceful shutdown: close now if idle, else after the in-flight response (sent with `Connection: close`).
    func drain() {
        draining = true
        if phase == .idle { close() }
    }

    /// Immediate close, for the end of a shutdown grace period.
    func forceClose() { close() }

    // MARK: Reading

    private func readable() {
        guard phase != .closed else { return }
        var peerClosed = false
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { buffer in
            // Bounded per event so one busy connection cannot starve the queue's other work.
            for _ in 0..<8 {
                switch transport.read(into: buffer) {
                case .bytes(let count):
                    decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    // Backpressure: stop reading while a request is being answered and enough is buffered.
                    if phase == .responding || phase == .writing { return }
                case .wouldBlock:
                    return
                case .closed:
                    peerClosed = true
                    return
                }
            }
        }
        if peerClosed {
            // A half-sent request or an idle close: nothing to answer. An in-flight response is abandoned.
            close()
            return
        }
        processBuffered()
    }

    /// Parses as many requests as are buffered (one at a time: the next waits for this one's response).
    private func processBuffered() {
        guard phase == .idle || phase == .readingHead || phase == .readingBody else {
            suspendReading()
            return
        }
        do {
            if let request = try decoder.next() {
                handle(request)
                return
            }
            enter(decoder.isMidRequest ? (decoder.isReadingBody ? .readingBody : .readingHead) : .idle)
            if phase == .idle && draining {
                close()
                return
            }
            if decoder.takeContinueRequest() {
                outbound.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                flush()
            }
        } catch {
            // The framing is unknown from here on: answer, then close (RFC 9112 §9.6).
            sendAndClose(.problem(error.problem))
        }
    }

    private func handle(_ request: HTTPRequest) {
        enter(.responding)
        let keepAlive = request.keepAlive && !draining
        let includeBody = request.method != .head
        let shared = shared
        let requestID = HTTPServer.requestID(from: request.headers)
        var logger = shared.logger
        logger[metadataKey: "request_id"] = "\(requestID)"
        let context = RequestContext(requestID: requestID, logger: logger, remoteAddress: remoteAddress)
        Task {
            var response = await shared.responder.respond(to: request, context: context)
            response.headers["X-Request-Id"] = requestID
            self.respond(response, keepAlive: keepAlive, includeBody: includeBody)
        }
    }

    private func respond(_ response: HTTPResponse, keepAlive: Bool, includeBody: Bool) {
        guard phase != .closed else { return }
        if response.dropsConnection {
            close()
            return
        }
        let keepAlive = keepAlive && !draining
        HTTPResponseEncoder.encode(response, includeBody: includeBody, keepAlive: keepAlive, into: &outbound)
        if !keepAlive { closeWhenFlushed = true }
        enter(.writing)
        flush()
    }

    private func sendAndClose(_ response: HTTPResponse) {
        HTTPResponseEncoder.encode(response, includeBody: true, keepAlive: false, into: &outbound)
        closeWhenFlushed = true
        enter(.writing)
        flush()
    }

    // MARK: Writing

    private func writable() {
        guard phase != .closed else { return }
        flush()
    }

    private func flush() {
        while outboundOffset < outbound.count {
            let result = outbound.withUnsafeBytes { transport.write(UnsafeRawBufferPointer(rebasing: $0[outboundOffset...])) }
            switch result {
            case .bytes(let count):
                outboundOffset += count
            case .wouldBlock:
                armWrite()
                return
            case .closed:
                close()
                return
            }
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 64 * 1024)
        outboundOffset = 0
        disarmWrite()
        guard phase == .writing else { return }  // e.g. a 100 Continue went out mid-read
        if closeWhenFlushed {
            transport.socket.shutdownWrite()
            close()
            return
        }
        enter(.idle)
        resumeReading()
        processBuffered()
    }

    private func armWrite() { events?.startWriting() }
    private func disarmWrite() { events?.stopWriting() }
    private func suspendReading() { events?.stopReading() }
    private func resumeReading() { events?.startReading() }

    // MARK: Deadlines

    /// Moves to `phase`, setting that phase's deadline. The deadline runs from the phase's start, so trickling
    /// bytes (slowloris) does not extend it.
    private func enter(_ next: Phase) {
        guard phase != .closed, next != phase || phase == .idle else { return }
        phase = next
        let configuration = shared.configuration
        let timeout: Duration? =
            switch next {
            case .idle: configuration.idleTimeout
            case .readingHead: configuration.headerReadTimeout
            case .readingBody: configuration.bodyReadTimeout
            case .writing: configuration.writeTimeout
            case .responding, .closed: nil
            }
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            timer?.schedule(deadline: .now() + .nanoseconds(nanoseconds))
        } else {
            timer?.schedule(deadline: .distantFuture)
        }
    }

    private func timedOut() {
        switch phase {
        case .idle:
            close()
        case .readingHead, .readingBody:
            sendAndClose(.problem(Problem(status: .requestTimeout, detail: "The request was not received in time.")))
        case .writing:
            close()
        case .responding, .closed:
            break
        }
    }

    // MARK: Closing

    private func close() {
        guard phase != .closed else { return }
        phase = .closed
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

    /// Closes the descriptor (once) and reports it. Runs again from `start` when a drain closed the connection
    /// before it started: the descriptor is closed already then, and only `onClose` is still owed.
    private func finishClose() {
        if !descriptorClosed {
            descriptorClosed = true
            transport.close()
        }
        onClose?()
        onClose = nil
    }
}
