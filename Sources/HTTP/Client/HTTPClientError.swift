/// Why an ``HTTPClient`` request failed. One error type for the whole client.
///
/// ``description`` is safe to log: it names the code, the host and the underlying socket, TLS or framing
/// failure, never the request's path, query, headers or body (they may carry bearer tokens).
/// An HTTP error *status* (404, 500) is not an error here: it comes back as an ``HTTPResponse``.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidURL, invalidRequest, connectFailed, tlsFailed, timeout, cancelled, connectionClosed
            case invalidResponse, tooManyWaiters, poolShutdown, destinationRefused
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL is not `http://` or `https://` host[:port][/path][?query].
        public static let invalidURL = Code(.invalidURL)
        /// A header name or value cannot be sent as is (not a token, or it contains CR, LF or NUL).
        public static let invalidRequest = Code(.invalidRequest)
        /// Name resolution or the TCP connect failed (refused, unreachable).
        public static let connectFailed = Code(.connectFailed)
        /// The TLS handshake failed, e.g. the certificate is not trusted or does not name the host.
        public static let tlsFailed = Code(.tlsFailed)
        /// The connect timeout or the request deadline passed. The connection was closed.
        public static let timeout = Code(.timeout)
        /// The calling task was cancelled. The connection was closed.
        public static let cancelled = Code(.cancelled)
        /// The server closed the connection before the response was complete.
        public static let connectionClosed = Code(.connectionClosed)
        /// The response broke the HTTP/1.1 framing rules or the configured limits.
        public static let invalidResponse = Code(.invalidResponse)
        /// Too many requests are already waiting for a connection to this host.
        public static let tooManyWaiters = Code(.tooManyWaiters)
        /// ``HTTPClient/shutdown()`` was called.
        public static let poolShutdown = Code(.poolShutdown)
        /// The host resolved to an address ``HTTPClientConfiguration/permitsDestination`` refuses. Nothing was sent.
        public static let destinationRefused = Code(.destinationRefused)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// `host:port` of the request, when known.
    public var host: String?
    /// The ``SocketError``, ``TLSError`` or ``HTTPParseError`` behind this one, when there is one.
    public var underlying: (any Error & Sendable)?
    /// A fixed, secret-free explanation written by the client.
    var detail: String?

    init(_ code: Code, host: String? = nil, _ detail: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.host = host
        self.detail = detail
        self.underlying = underlying
    }

    public var description: String {
        var text = "HTTPClientError.\(code)"
        if let host { text += " (\(host))" }
        if let detail { text += ": \(detail)" }
        if let underlying { text += " [\(underlying)]" }
        return text
    }
}

extension HTTPClientError {
    /// Pattern-matching on codes: `catch let error where error ~= .timeout`.
    public static func ~= (code: Code, error: HTTPClientError) -> Bool { error.code == code }
}
