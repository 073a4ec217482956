/// How to reach the server. A `Sendable` value; build it once at startup.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string: a URL (`postgresql://user@host:5432/db?sslmode=require`) or key=value pairs
    /// (`host=/tmp dbname=curtail`). It may carry a password: never log it.
    public var connectionString: String
    /// The longest a connection attempt may take, all hosts included. Defaults to 10 s. libpq counts whole
    /// seconds and waits at least 2 s, so the value is rounded up to a whole second and raised to 2 s.
    public var connectTimeout: Duration
    /// Reported to the server as `application_name` (visible in `pg_stat_activity`). Defaults to `"curtail"`.
    public var applicationName: String

    public init(connectionString: String, connectTimeout: Duration = .seconds(10), applicationName: String = "curtail")
    {
        self.connectionString = connectionString
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// libpq's `connect_timeout`, in whole seconds, at least 2.
    var connectTimeoutSeconds: Int {
        let (seconds, attoseconds) = connectTimeout.components
        return max(2, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
