import API
import ArgumentParser
import Dispatch
import HTTP
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Curtail API server and workers.")

    @Option(help: "Address to listen on (env CURTAIL_LISTEN).")
    var listen: String = Environment.get("CURTAIL_LISTEN") ?? "127.0.0.1:8080"

    func run() async throws {
        let logger = Logger(label: "curtail.serve")
        guard let (host, port) = HTTPServerConfiguration.parseListen(listen) else {
            throw ValidationError("--listen must be host:port, got \(listen)")
        }
        var router = Router()
        HealthRoutes.register(on: &router)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: host, port: port),
            responder: router.buildResponder(), logger: logger)
        try server.start()
        await Signals.waitForTermination()
        logger.info("shutting down")
        await server.shutdown(gracePeriod: .seconds(10))
    }
}
