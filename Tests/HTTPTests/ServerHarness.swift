import HTTP
import Logging

/// Starts `router` on a loopback port chosen by the kernel, runs `body` with that port, and always shuts down.
func withServer<T>(
    _ router: Router, configuration: HTTPServerConfiguration = HTTPServerConfiguration(host: "127.0.0.1", port: 0),
    _ body: (Int, HTTPServer) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.port = 0
    let server = HTTPServer(configuration: configuration, responder: router.buildResponder(), logger: Logger(label: "test.http"))
    let address = try server.start()
    do {
        let result = try await body(address.port, server)
        await server.shutdown(gracePeriod: .seconds(5))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(5))
        throw error
    }
}

extension Router {
    /// Routes most server tests use: an echo of the body, a slow endpoint and a parameterised one.
    static var fixture: Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.post("/echo") { request, _ in HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body) }
        router.get("/slow") { request, _ in
            let milliseconds = Int(request.query["ms"] ?? "300") ?? 300
            try await Task.sleep(for: .milliseconds(milliseconds))
            return .text("slow done")
        }
        router.get("/vehicles/:id/commands/:command") { _, context in
            .text("\(context.parameters["id"] ?? "")|\(context.parameters["command"] ?? "")")
        }
        router.get("/boom") { _, _ in
            struct Secret: Error { let token = "sk_live_should_not_leak" }
            throw Secret()
        }
        return router
    }
}
