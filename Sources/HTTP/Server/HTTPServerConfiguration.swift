/// How an ``HTTPServer`` listens and what it tolerates. Build once, then hand it to the server.
public struct HTTPServerConfiguration: Sendable {
    /// The numeric address to bind. Defaults to `127.0.0.1`.
    public var host: String
    /// The port to bind; `0` picks a free one (read it from ``HTTPServer/start()``). Defaults to `8080`.
    public var port: Int
    /// The listen backlog. Defaults to `1024`.
    public var backlog: Int32
    /// Size limits for requests.
    public var limits: HTTPLimits
    /// From the first byte of a request to the end of its head. Past it: `408` and close. Defaults to 10 s.
    public var headerReadTimeout: Duration
    /// From the end of the head to the end of the body. Past it: `408` and close. Defaults to 30 s.
    public var bodyReadTimeout: Duration
    /// How long an idle keep-alive connection is kept. Past it: closed silently. Defaults to 60 s.
    public var idleTimeout: Duration
    /// How long a response may take to drain to a slow reader. Past it: closed. Defaults to 30 s.
    public var writeTimeout: Duration
    /// Serve HTTPS with this context when set.
    public var tls: TLSContext?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, backlog: Int32 = 1024, limits: HTTPLimits = HTTPLimits(),
        headerReadTimeout: Duration = .seconds(10), bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(30), tls: TLSContext? = nil
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.limits = limits
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.tls = tls
    }
}
