import Foundation
import Testing
@testable import HTTP

/// The server over real loopback sockets.
@Suite struct HTTPServerTests {
    @Test func keepAlive_ServesSeveralRequestsOnOneConnection() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            for _ in 0..<3 {
                try await connection.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try await connection.readResponses(1).first)
                #expect(response.status == 200)
                #expect(response.body == "hello")
                #expect(response.headers["connection"] == nil)
            }
        }
    }

    @Test func pipelinedRequests_AreAnsweredInOrder() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            // The slow request comes first: its answer must still come first.
            try await connection.send(
                "GET /slow?ms=200 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\npingGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let responses = try await connection.readResponses(3)
            #expect(responses.map(\.body) == ["slow done", "ping", "hello"])
        }
    }

    @Test func chunkedRequestBody_ReachesTheHandlerDecoded() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n")
            let response = try #require(try await connection.readResponses(1).first)
            #expect(response.body == "Wikipedia")
        }
    }

    @Test func expectContinue_GetsInterim100ThenTheResponse() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try #require(try await connection.readResponses(1).first)
            #expect(interim.status == 100)
            try await connection.send("hello")
            let final = try #require(try await connection.readResponses(1).first)
            #expect(final.status == 200)
            #expect(final.body == "hello")
        }
    }

    @Test func head_ReturnsHeadersWithoutBody() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let raw = try await connection.readToEnd()
            #expect(raw.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(raw.contains("Content-Length: 5\r\n"))
            #expect(raw.hasSuffix("\r\n\r\n"))
        }
    }

    @Test func connectionClose_IsHonoured() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let raw = try await connection.readToEnd()
            #expect(raw.contains("Connection: close\r\n"))
            #expect(raw.hasSuffix("hello"))
        }
    }

    @Test func unknownPath_Is404_AndWrongMethod_Is405WithAllow() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let responses = try await connection.readResponses(2)
            #expect(responses[0].status == 404)
            #expect(responses[0].headers["content-type"] == "application/problem+json")
            #expect(responses[1].status == 405)
            #expect(responses[1].headers["allow"] == "GET, HEAD")
            let problem = try JSONDecoder().decode(Problem.self, from: Data(responses[1].body.utf8))
            #expect(problem.status == 405)
        }
    }

    @Test func pathParameters_AreCaptured() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /vehicles/5YJ%203/commands/charge_stop HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await connection.readResponses(1).first?.body == "5YJ 3|charge_stop")
        }
    }

    @Test func unexpectedHandlerError_Is500_AndRevealsNothing() async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try await connection.readResponses(1).first)
            #expect(response.status == 500)
            #expect(!response.body.contains("sk_live"))
            #expect(!response.body.contains("Secret"))
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n", 431),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n", 413),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("NOT A REQUEST\r\n\r\n", 400),
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    ])
    func limitViolation_IsAnsweredWithItsStatusThenClosed(wire: String, status: Int) async throws {
        try await withServer(.fixture) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send(wire)
            let raw = try await connection.readToEnd()
            #expect(raw.hasPrefix("HTTP/1.1 \(status) "))
            #expect(raw.contains("Content-Type: application/problem+json"))
            #expect(raw.contains("Connection: close"))
        }
    }

    @Test func slowHeader_Gets408AndIsClosed() async throws {
        let configuration = HTTPServerConfiguration(headerReadTimeout: .milliseconds(300))
        try await withServer(.fixture, configuration: configuration) { port, server in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /hello HTTP/1.1\r\nHo")  // half a request, then silence
            let raw = try await connection.readToEnd()
            #expect(raw.hasPrefix("HTTP/1.1 408 "))
            try await waitFor { server.openConnectionCount == 0 }
        }
    }

    @Test func slowBody_Gets408() async throws {
        let configuration = HTTPServerConfiguration(bodyReadTimeout: .milliseconds(300))
        try await withServer(.fixture, configuration: configuration) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try await connection.readToEnd().hasPrefix("HTTP/1.1 408 "))
        }
    }

    @Test func idleKeepAlive_IsClosedSilently() async throws {
        let configuration = HTTPServerConfiguration(idleTimeout: .milliseconds(300))
        try await withServer(.fixture, configuration: configuration) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try await connection.readResponses(1)
            #expect(try await connection.readToEnd() == "")
        }
    }

    @Test func clientThatDisconnectsMidRequest_HoldsNothing() async throws {
        try await withServer(.fixture) { port, server in
            do {
                let connection = try await RawConnection(port: port)
                try await connection.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
                try await waitFor { server.openConnectionCount == 1 }
            }  // the connection is closed here, mid-body
            try await waitFor { server.openConnectionCount == 0 }
        }
    }

    @Test func thousandIdleConnections_DoNotStopOthersBeingServed() async throws {
        try await withServer(.fixture) { port, server in
            var idle: [RawConnection] = []
            for _ in 0..<1000 { idle.append(try await RawConnection(port: port)) }
            try await waitFor(seconds: 60) { server.openConnectionCount >= 1000 }
            let active = try await RawConnection(port: port)
            for _ in 0..<20 {
                try await active.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try await active.readResponses(1).first?.body == "hello")
            }
            // The idle ones are still open and still work.
            try await idle[500].send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await idle[500].readResponses(1).first?.status == 200)
            try await waitFor(seconds: 60) { server.openConnectionCount >= 1001 }
        }
    }

    @Test func gracefulShutdown_FinishesTheInFlightRequest() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: Router.fixture.buildResponder(), logger: .init(label: "t"))
        let port = try server.start().port
        let connection = try await RawConnection(port: port)
        try await connection.send("GET /slow?ms=500 HTTP/1.1\r\nHost: t\r\n\r\n")
        try await Task.sleep(for: .milliseconds(100))  // the request is in the handler now
        let idle = try await RawConnection(port: port)
        await server.shutdown(gracePeriod: .seconds(5))
        let raw = try await connection.readToEnd()
        #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
        #expect(raw.contains("Connection: close"))
        #expect(raw.hasSuffix("slow done"))
        #expect(await idle.isClosedByPeer(within: 1))
        #expect(server.openConnectionCount == 0)
        // No longer accepting.
        await #expect(throws: (any Error).self) { _ = try await RawConnection(port: port) }
    }
}

/// Polls `condition` every 20 ms for up to `seconds` (default 5; generous where a loaded CI machine needs it).
func waitFor(seconds: Int = 5, _ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<(seconds * 50) {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(seconds) s")
}
