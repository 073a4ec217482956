import Dispatch

/// How an ``HTTPClient`` pools connections and what it tolerates. Build once, then hand it to the client.
public struct HTTPClientConfiguration: Sendable {
    /// Most connections open (or opening) to one scheme, host and port. Requests beyond it wait, first come first
    /// served, until a connection is free or their deadline passes. Defaults to `64`.
    public var maxConnectionsPerHost: Int
    /// Most requests waiting for a connection to one host. Past it: ``HTTPClientError/Code/tooManyWaiters``.
    /// Defaults to `1024`.
    public var maxWaitersPerHost: Int
    /// How long an unused keep-alive connection is kept open. Defaults to 60 s.
    public var idleTimeout: Duration
    /// Name resolution, TCP connect and TLS handshake together. Defaults to 5 s.
    public var connectTimeout: Duration
    /// The whole request, from waiting for a connection to the last body byte, when the caller gives none.
    /// Defaults to 30 s.
    public var requestTimeout: Duration
    /// Size limits for responses: the status line is bounded by `maxRequestLineBytes`, the head by
    /// `maxHeaderBytes` and `maxHeaderCount`, the decoded body by `maxBodyBytes`. Defaults to the
    /// ``HTTPLimits`` defaults with a 16 MiB body.
    public var limits: HTTPLimits
    /// The context for `https://` URLs. `nil` (the default) verifies against the system trust store, loaded on the
    /// first HTTPS request. Inject `TLSContext.client(trustedCertificatesPath:)` to trust a specific CA.
    public var tls: TLSContext?
    /// Decides, after name resolution and before connecting, whether the address a host resolved to may be
    /// connected to (e.g. an SSRF policy for URLs given by clients). Checking the resolved address, not the name,
    /// is what defeats a DNS answer that changed since the URL was accepted. `nil` (the default) permits all.
    /// A refusal fails the request with ``HTTPClientError/Code/destinationRefused``.
    public var permitsDestination: (@Sendable (IPAddress) -> Bool)?

    public init(
        maxConnectionsPerHost: Int = 64, maxWaitersPerHost: Int = 1024, idleTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30),
        limits: HTTPLimits = HTTPLimits(maxBodyBytes: 16 * 1024 * 1024), tls: TLSContext? = nil,
        permitsDestination: (@Sendable (IPAddress) -> Bool)? = nil
    ) {
        precondition(maxConnectionsPerHost > 0, "maxConnectionsPerHost must be positive")
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxWaitersPerHost = maxWaitersPerHost
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.limits = limits
        self.tls = tls
        self.permitsDestination = permitsDestination
    }
}

extension Duration {
    /// For Dispatch deadlines; negative durations become zero.
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = (min(components.seconds, 1_000_000_000), components.attoseconds)
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .nanoseconds(Int(clamping: max(0, nanoseconds)))
    }
}
