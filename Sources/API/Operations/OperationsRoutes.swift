import HTTP
import Observability
import Postgres

/// The probes and the metrics scrape: `/healthz`, `/readyz`, `/metrics`. Unauthenticated by design (bind them to a
/// private interface or filter them at the load balancer if they must not be public).
public struct OperationsRoutes: Sendable {
    let pool: PostgresPool
    let migrationsDirectory: String
    let metrics: MetricsRegistry

    public init(pool: PostgresPool, migrationsDirectory: String, metrics: MetricsRegistry) {
        self.pool = pool
        self.migrationsDirectory = migrationsDirectory
        self.metrics = metrics
    }

    public func register(on router: inout Router) {
        // Process up and serving; checks nothing else so it stays cheap for any prober.
        router.get("/healthz") { _, _ in .text("ok\n") }
        router.get("/readyz") { [pool, migrationsDirectory] _, _ in
            // Ready = the database answers and every migration on disk is applied.
            do {
                guard try await Migrator.isUpToDate(directory: migrationsDirectory, pool: pool) else {
                    return .text("migrations pending\n", status: .serviceUnavailable)
                }
                return .text("ready\n")
            } catch {
                return .text("database unavailable\n", status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { [metrics] _, _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(metrics.render().utf8))
        }
    }
}

/// Counts requests and observes their latency by route pattern, method and status.
public struct MetricsMiddleware: Middleware {
    let metrics: MetricsRegistry

    public init(metrics: MetricsRegistry) { self.metrics = metrics }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Unmatched paths share one label so scanners cannot blow up the series count.
        let labels = MetricsRegistry.Labels([
            ("route", context.route ?? "unmatched"), ("method", request.method.rawValue), ("status", String(response.status.code)),
        ])
        metrics.increment("curtail_http_requests_total", help: "HTTP requests answered.", labels: labels)
        metrics.observe("curtail_http_request_duration_seconds", help: "Time to produce a response.", labels: labels, value: seconds)
        return response
    }
}
