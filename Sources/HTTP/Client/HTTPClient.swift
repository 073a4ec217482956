import Dispatch
import Foundation
import Synchronization

/// Curtail's HTTP/1.1 client on POSIX sockets and Dispatch, with a keep-alive connection pool per host.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.get(url: "https://fleet-api.example/api/1/vehicles")
/// // ...
/// await client.shutdown()
/// ```
///
/// - Requests to one scheme, host and port share up to ``HTTPClientConfiguration/maxConnectionsPerHost``
///   keep-alive connections; more requests wait in line (FIFO) until one is free or their deadline passes.
/// - A request that fails on a *reused* connection before any response byte arrived (the server closed it while
///   idle) is retried once on a new connection, if its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS).
///   A POST is never sent twice, unless not one byte of it was written.
/// - The timeout covers the whole request: waiting for a connection, connecting, sending, and reading the
///   response. On expiry, or when the calling task is cancelled, the request fails and its connection is closed.
///
/// Thread-safe. Call ``shutdown()`` when done: it closes the idle connections.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    let pool: HTTPConnectionPool
    private let systemTLS = Mutex<TLSContext?>(nil)
    private let tokens = Atomic<UInt64>(0)

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
        pool = HTTPConnectionPool(
            maxConnectionsPerHost: configuration.maxConnectionsPerHost, maxWaitersPerHost: configuration.maxWaitersPerHost
        )
    }

    /// Sends `request` and returns its response, whatever its status.
    /// - Parameter timeout: the whole request's deadline; ``HTTPClientConfiguration/requestTimeout`` when `nil`.
    /// - Throws: ``HTTPClientError``; an HTTP error status is not an error.
    public func execute(_ request: HTTPClientRequest, timeout: Duration? = nil) async throws(HTTPClientError) -> HTTPResponse {
        let url = try HTTPClientURL(parsing: request.url)
        let bytes = try HTTPRequestEncoder.encode(request, url: url)
        let tls = url.secure ? try tlsContext() : nil
        let deadline = DispatchTime.now() + (timeout ?? configuration.requestTimeout).dispatchInterval
        let closeAfter = request.headers.hasToken("close", in: "Connection")
        let key = url.poolKey
        var retried = false
        var attemptsWithNothingSent = 0
        while true {
            let connection: HTTPClientConnection
            let reused: Bool
            switch await pool.checkout(key, deadline: deadline, fresh: retried) {
            case .failure(let error):
                throw error
            case .success(.reuse(let idle)):
                connection = idle
                reused = true
            case .success(.create(let id)):
                connection = try await connect(id: id, key: key, tls: tls, deadline: deadline)
                reused = false
            }
            let token = nextToken()
            let outcome = await withTaskCancellationHandler {
                await connection.exchange(bytes, method: request.method, closeAfter: closeAfter, deadline: deadline, token: token)
            } onCancel: {
                connection.cancel(token: token)
            }
            switch outcome {
            case .response(let response, let keepAlive):
                if keepAlive { pool.release(connection) }
                return response
            case .failed(let error, let sentNothing, let receivedNothing):
                // A kept-alive connection the server closed while idle fails like this: retry once on a new one.
                // Sending twice is only safe for idempotent methods (RFC 9110 §9.2.2), or when nothing was sent.
                let stale = reused && receivedNothing && (error.code == .connectionClosed)
                if !retried && stale && (sentNothing || request.method.isIdempotent) {
                    retried = true
                    continue
                }
                // Nothing left this process: trying again cannot repeat an action, whatever the method.
                if sentNothing && error.code == .connectionClosed && attemptsWithNothingSent < 3 {
                    attemptsWithNothingSent += 1
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// `GET url`.
    public func get(url: String, headers: HTTPHeaders = [:], timeout: Duration? = nil) async throws(HTTPClientError) -> HTTPResponse {
        try await execute(HTTPClientRequest(method: .get, url: url, headers: headers), timeout: timeout)
    }

    /// `POST url` with `value` encoded as JSON (``JSONCoding/encoder``: ISO 8601 dates, sorted keys).
    public func post(
        url: String, json value: some Encodable, headers: HTTPHeaders = [:], timeout: Duration? = nil
    ) async throws(HTTPClientError) -> HTTPResponse {
        let body: Data
        do {
            body = try JSONCoding.encoder.encode(value)
        } catch {
            throw HTTPClientError(.invalidRequest, "the body could not be encoded as JSON")
        }
        var headers = headers
        if !headers.contains("Content-Type") { headers["Content-Type"] = "application/json" }
        return try await execute(HTTPClientRequest(method: .post, url: url, headers: headers, body: Array(body)), timeout: timeout)
    }

    /// Fails the requests waiting for a connection, refuses new ones, and closes idle connections.
    /// Requests already on a connection finish; their connections are closed when they do.
    public func shutdown() async { await pool.shutdown() }

    private func connect(
        id: UInt64, key: HTTPPoolKey, tls: TLSContext?, deadline: DispatchTime
    ) async throws(HTTPClientError) -> HTTPClientConnection {
        let connection = HTTPClientConnection(
            id: id, key: key, tls: tls, limits: configuration.limits, idleTimeout: configuration.idleTimeout,
            permitsDestination: configuration.permitsDestination, onClose: { [weak pool] id in pool?.connectionClosed(key, id: id) }
        )
        let connectDeadline = min(deadline, DispatchTime.now() + configuration.connectTimeout.dispatchInterval)
        let token = nextToken()
        let error = await withTaskCancellationHandler {
            await connection.connect(deadline: connectDeadline, token: token)
        } onCancel: {
            connection.cancel(token: token)
        }
        if let error { throw error }
        return connection
    }

    private func tlsContext() throws(HTTPClientError) -> TLSContext {
        if let configured = configuration.tls { return configured }
        return try systemTLS.withLock { (cached: inout TLSContext?) throws(HTTPClientError) -> TLSContext in
            if let cached { return cached }
            do {
                let context = try TLSContext.client()
                cached = context
                return context
            } catch {
                throw HTTPClientError(.tlsFailed, "the system trust store could not be loaded", underlying: error)
            }
        }
    }

    private func nextToken() -> UInt64 { tokens.wrappingAdd(1, ordering: .relaxed).newValue }
}
