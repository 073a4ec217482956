import Events
import HTTP
import Logging
import Observability
import Postgres
import Vendors

/// One Curtail process's shared parts — configuration, database pool, metrics — and the router built from them.
///
/// Every process is the same: it serves the whole API and runs the workers, coordinating with its peers only
/// through PostgreSQL (see docs/ARCHITECTURE.md).
public struct CurtailApplication: Sendable {
    public let configuration: CurtailConfiguration
    public let pool: PostgresPool
    public let metrics: MetricsRegistry
    public let logger: Logger
    /// The vehicle makers' APIs, by vendor: what `POST /v1/vendor-accounts/{id}/sync` and token refresh call.
    /// Empty by default (sync then answers 503 naming the missing adapter).
    public var vendors: [VendorName: any VehicleAPI]
    /// Orders this process's VEN-mode mirror writes (webhook and poll); see `VENMirror`.
    let venSerializer = VENSerializer()

    public init(
        configuration: CurtailConfiguration, pool: PostgresPool, metrics: MetricsRegistry = MetricsRegistry(), logger: Logger,
        vendors: [VendorName: any VehicleAPI] = [:]
    ) {
        self.configuration = configuration
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
        self.vendors = vendors
    }

    /// Request size limits for the HTTP server: the defaults, plus a larger body for the fleet bulk import.
    public var httpLimits: HTTPLimits {
        HTTPLimits(maxBodyBytesByPath: [FleetRoutes.importPath: FleetRoutes.maxImportBytes])
    }

    /// Opens the pool described by `configuration` (connections are made lazily).
    public static func makePool(_ configuration: CurtailConfiguration, logger: Logger) -> PostgresPool {
        PostgresPool(
            configuration: .init(connection: .init(connectionString: configuration.databaseURL), maxConnections: configuration.databasePoolSize),
            logger: logger)
    }

    public var clients: ClientStore { ClientStore(pool: pool) }
    public var authenticator: Authenticator { Authenticator(clients: clients) }

    /// Every route Curtail serves, wrapped in the metrics middleware; the database's transient failures answer 503.
    public func makeRouter() -> Router {
        var router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: NULCharacterGuard())
        router.add(handlerMiddleware: TransientDatabaseFailures())
        OperationsRoutes(pool: pool, migrationsDirectory: configuration.migrationsDirectory, metrics: metrics).register(on: &router)
        TokenRoutes(clients: clients, tokenLifetime: configuration.tokenLifetime).register(on: &router)
        FleetRoutes(pool: pool, authenticator: authenticator, secretKeyHex: configuration.secretKeyHex, vendors: vendors, logger: logger).register(on: &router)
        OpenADRRoutes(store: openADRStore, authenticator: authenticator, webhookPolicy: configuration.webhookPolicy).register(on: &router)
        ReportRoutes(pool: pool, authenticator: authenticator, logger: logger).register(on: &router)
        if let ven = configuration.ven {
            VENRoutes(pool: pool, upstream: UpstreamVTN(configuration: ven, client: HTTPClient()), serializer: venSerializer, logger: logger)
                .register(on: &router)
        }
        return router
    }

    /// Applies pending migrations (safe with several processes starting at once: they serialise on a lock).
    public func migrate() async throws -> [Migration] {
        try await Migrator(directory: configuration.migrationsDirectory, pool: pool, logger: logger).migrate()
    }
}
