extension PostgresPool {
    /// Pool limits. A `Sendable` value; every field has a documented default.
    public struct Configuration: Sendable {
        /// How each connection reaches the server.
        public var connection: PostgresConfiguration
        /// The most connections open at once (idle, leased and connecting). Defaults to 10. Must be at least 1.
        public var maxConnections: Int
        /// The longest ``PostgresPool/withConnection(isolation:_:)`` waits for a free connection before throwing
        /// ``PostgresError/Code/poolTimeout``. Defaults to 10 s. Connecting time is bounded separately, by
        /// ``PostgresConfiguration/connectTimeout``.
        public var acquireTimeout: Duration

        public init(
            connection: PostgresConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(10)
        ) {
            self.connection = connection
            self.maxConnections = maxConnections
            self.acquireTimeout = acquireTimeout
        }
    }
}
