import API
import Foundation
import HTTP
import Logging
import OpenADR
import Synchronization
import Testing

/// VEN-mode configuration and the upstream client's OAuth handling, against a small recording VTN stand-in.
@Suite struct VENUpstreamTests {
    let base = ["DATABASE_URL": "postgresql:///x"]

    func configuration(_ extra: [String: String]) throws -> CurtailConfiguration {
        try CurtailConfiguration.fromEnvironment(base.merging(extra) { $1 })
    }

    static let complete = [
        "CURTAIL_VEN_UPSTREAM_URL": "https://vtn.example/openadr3/3.0.1/", "CURTAIL_VEN_CLIENT_ID": "curtail",
        "CURTAIL_VEN_CLIENT_SECRET": "s3cret-value", "CURTAIL_VEN_CALLBACK_URL": "https://curtail.example/openadr3/ven/notifications",
    ]

    @Test func venModeIsOffUnlessAnUpstreamIsConfigured() throws {
        #expect(try configuration([:]).ven == nil)
        let ven = try #require(try configuration(Self.complete).ven)
        #expect(ven.upstreamURL == "https://vtn.example/openadr3/3.0.1")
        #expect(ven.venName == "curtail")
        #expect(ven.pollInterval == .seconds(60))
        #expect(ven.tokenURL == nil)
    }

    @Test(arguments: [
        ("CURTAIL_VEN_CLIENT_ID", nil, "CURTAIL_VEN_CLIENT_ID is required"),
        ("CURTAIL_VEN_CLIENT_SECRET", nil, "CURTAIL_VEN_CLIENT_SECRET is required"),
        ("CURTAIL_VEN_CALLBACK_URL", "ftp://x/y", "CURTAIL_VEN_CALLBACK_URL must be an absolute http(s) URL"),
        ("CURTAIL_VEN_NAME", "curtail ven", "CURTAIL_VEN_NAME must be"),
        ("CURTAIL_VEN_POLL_INTERVAL", "10ms", "CURTAIL_VEN_POLL_INTERVAL must be"),
        ("CURTAIL_VEN_UPSTREAM_URL", "vtn.example", "CURTAIL_VEN_UPSTREAM_URL must be"),
    ] as [(String, String?, String)])
    func aBadSettingIsNamedWithoutTheSecret(variable: String, value: String?, message: String) throws {
        var environment = Self.complete
        environment[variable] = value
        let error = try #require(throws: CurtailConfiguration.Invalid.self) { try configuration(environment) }
        #expect(error.description.hasPrefix(message))
        #expect(!error.description.contains("s3cret-value"))
    }

    /// The stand-in: advertises a token URL at `/auth/server` (3.1 discovery), issues numbered tokens, and makes
    /// `GET /programs` refuse the first token (as after an upstream restart) so the client must fetch another.
    final class Recorder: Sendable {
        /// The form bodies of the token requests, in order.
        let tokenRequests = Mutex<[String]>([])
        let port = Mutex(0)
    }

    static func standIn() throws -> (HTTPServer, Recorder) {
        let recorder = Recorder()
        var router = Router()
        router.get("/openadr3/3.0.1/auth/server") { _, _ in
            try .json(encoding: ["tokenURL": "http://127.0.0.1:\(recorder.port.withLock { $0 })/custom/token"])
        }
        router.post("/custom/token") { request, _ in
            let count = recorder.tokenRequests.withLock { $0.append(String(decoding: request.body, as: UTF8.self)); return $0.count }
            return try .json(encoding: ["access_token": "token-\(count)", "token_type": "Bearer"])
        }
        router.get("/openadr3/3.0.1/programs") { request, _ in
            guard request.headers["Authorization"] == "Bearer token-2" else { return HTTPResponse(status: .unauthorized) }
            return try .json(encoding: [Program(id: "p1", programName: "peak")])
        }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: router.buildResponder(), logger: Logger(label: "stand-in"))
        let port = try server.start().port
        recorder.port.withLock { $0 = port }
        return (server, recorder)
    }

    @Test func discoversTheTokenURLAndFetchesANewTokenAfterA401() async throws {
        let (server, recorder) = try Self.standIn()
        let port = recorder.port.withLock { $0 }
        let client = HTTPClient()
        let upstream = UpstreamVTN(
            configuration: VENConfiguration(
                upstreamURL: "http://127.0.0.1:\(port)/openadr3/3.0.1", clientID: "curtail", clientSecret: "a b&c",
                callbackURL: "http://127.0.0.1/cb"),
            client: client)
        let programs = try await upstream.get("/programs", as: [Program].self)
        #expect(programs.map(\.id) == ["p1"])
        let forms = recorder.tokenRequests.withLock { $0 }
        #expect(forms.count == 2)
        #expect(forms.first == "grant_type=client_credentials&client_id=curtail&client_secret=a%20b%26c")
        await client.shutdown()
        await server.shutdown(gracePeriod: .seconds(1))
    }
}
