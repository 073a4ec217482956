import API
import Dispatch
import ArgumentParser
import HTTP
import Logging
import Observability
import Vendors

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Curtail API server and workers.")

    @Option(help: "Address to listen on, host:port (overrides CURTAIL_LISTEN).")
    var listen: String?

    @Flag(help: "Do not apply pending migrations at start-up.")
    var noMigrate = false

    @Flag(help: "Serve the API only: run no scheduler, reconciler or telemetry sampler.")
    var noEngine = false

    func run() async throws {
        MallocArenas.bound()
        LoggingSetup.bootstrap()
        var configuration = try CurtailConfiguration.fromEnvironment()
        if let listen {
            guard let (host, port) = CurtailConfiguration.parseListen(listen) else { throw ValidationError("--listen must be host:port") }
            configuration.listenHost = host
            configuration.listenPort = port
        }
        let logger = Logger(label: "curtail")
        let pool = CurtailApplication.makePool(configuration, logger: logger)
        // One client for every vendor: keep-alive pools per host, sized for thousands of commands in flight. HTTP/1.1
        // has one request per connection at a time, so the cap is the reconciler's (and the Pacer's) 4,096 in flight:
        // at 1,024, a vendor answering in 2 s capped a process at ~500 requests/s.
        let vendorClient = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 4096, maxWaitersPerHost: 100_000))
        let vendors = VendorRegistry.make(configuration: .fromEnvironment(client: vendorClient))
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger, vendors: vendors)
        logger.info("vendor adapters", metadata: ["vendors": "\(vendors.keys.map(\.rawValue).sorted())"])
        if !noMigrate {
            let applied = try await app.migrate()
            if !applied.isEmpty { logger.info("migrations applied", metadata: ["count": "\(applied.count)"]) }
        }
        var tls: TLSContext?
        if let cert = configuration.tlsCertificatePath, let key = configuration.tlsPrivateKeyPath {
            tls = try TLSContext.server(certificateChainPath: cert, privateKeyPath: key)
        }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.listenHost, port: configuration.listenPort, limits: app.httpLimits, tls: tls),
            responder: app.makeRouter().buildResponder(), logger: logger)
        app.metrics.addCollector { [(name: "curtail_http_open_connections", help: "Open HTTP connections.", labels: [:], value: Double(server.openConnectionCount))] }
        try server.start()
        // SIGHUP: reload the certificate and key from the same paths (after a renewal); new connections use them.
        // A reload that fails (a half-written file, a key that does not match) keeps the old context.
        let (certificatePath, keyPath) = (configuration.tlsCertificatePath, configuration.tlsPrivateKeyPath)
        let hangup = Signals.onHangup {
            guard let cert = certificatePath, let key = keyPath else {
                logger.info("SIGHUP ignored: TLS is not configured")
                return
            }
            do {
                server.replaceTLSContext(try TLSContext.server(certificateChainPath: cert, privateKeyPath: key))
                logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(cert)"])
            } catch {
                logger.error("TLS certificate reload failed; still serving the previous one", metadata: ["error": "\(error)"])
            }
        }
        defer { hangup.cancel() }
        // Background workers live until SIGTERM/SIGINT; then the server drains and the pool closes.
        await withTaskGroup(of: Void.self) { workers in
            workers.addTask { await app.runNotificationDelivery() }
            workers.addTask { await app.runVEN() }
            if !noEngine { workers.addTask { await app.runEngine() } }
            await Signals.waitForTermination()
            logger.info("shutting down")
            workers.cancelAll()
        }
        await server.shutdown(gracePeriod: .seconds(10))
        await vendorClient.shutdown()
        await pool.close()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        LoggingSetup.bootstrap()
        let configuration = try CurtailConfiguration.fromEnvironment()
        let logger = Logger(label: "curtail.migrate")
        let pool = CurtailApplication.makePool(configuration, logger: logger)
        let applied = try await CurtailApplication(configuration: configuration, pool: pool, logger: logger).migrate()
        print(applied.isEmpty ? "database is up to date" : "applied: " + applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))
        await pool.close()
    }
}

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API clients.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API client and print its credentials as JSON (the secret is shown only here).")

        @Option(help: "A human name for the client.")
        var name: String

        @Option(help: "Space-separated scopes, e.g. \"read_all write_programs write_events\" or \"fleet_read fleet_write\".")
        var scopes: String

        @Option(help: "The client_id to use (default: derived from the name).")
        var clientID: String?

        func run() async throws {
            LoggingSetup.bootstrap()
            let scopes = Scope.parseList(scopes)
            guard !scopes.isEmpty else { throw ValidationError("--scopes names no scope") }
            if let unknown = scopes.first(where: { !Scope.known.contains($0) }) {
                throw ValidationError("unknown scope \(unknown); known: \(Scope.known.map(\.rawValue).sorted().joined(separator: " "))")
            }
            let configuration = try CurtailConfiguration.fromEnvironment()
            let logger = Logger(label: "curtail.clients")
            let pool = CurtailApplication.makePool(configuration, logger: logger)
            let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger)
            _ = try await app.migrate()
            let credentials = try await app.clients.create(name: name, scopes: scopes, clientID: clientID)
            print(String(decoding: try JSONCoding.encoder.encode(credentials), as: UTF8.self))
            await pool.close()
        }
    }
}
