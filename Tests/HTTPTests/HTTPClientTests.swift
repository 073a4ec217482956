import Foundation
import Logging
import Synchronization
import Testing

@testable import HTTP

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPClientTests {
    // MARK: Against HTTPServer

    @Test func getAndPost_CarryBodiesBothWays() async throws {
        var router = Router()
        router.get("/hello") { _, _ in .text("hi") }
        router.post("/echo") { request, _ in
            HTTPResponse(status: .created, headers: ["Content-Type": request.headers["Content-Type"] ?? "none"], body: request.body)
        }
        try await withTestServer(router: router) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            let hello = try await client.get(url: "http://127.0.0.1:\(port)/hello")
            #expect(hello.status == .ok)
            #expect(hello.bodyText == "hi")

            let payload = Array("{\"kw\":7.4}".utf8)
            let echoed = try await client.execute(
                HTTPClientRequest(method: .post, url: "http://localhost:\(port)/echo", headers: ["Content-Type": "text/x-test"], body: payload)
            )
            #expect(echoed.status == .created)
            #expect(echoed.body == payload)
            #expect(echoed.headers["Content-Type"] == "text/x-test")

            struct Reading: Codable, Equatable { var kilowatts: Double }
            let json = try await client.post(url: "http://127.0.0.1:\(port)/echo", json: Reading(kilowatts: 11))
            #expect(try JSONDecoder().decode(Reading.self, from: Data(json.body)) == Reading(kilowatts: 11))
            #expect(json.headers["Content-Type"] == "application/json")

            let missing = try await client.get(url: "http://127.0.0.1:\(port)/nope")
            #expect(missing.status == .notFound)

            let head = try await client.execute(HTTPClientRequest(method: .head, url: "http://127.0.0.1:\(port)/hello"))
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
            #expect(head.headers["Content-Length"] == "2")
        }
    }

    @Test func keepAlive_ReusesOneServerConnection() async throws {
        var router = Router()
        router.get("/peer") { _, context in .text(context.remoteAddress ?? "?") }
        try await withTestServer(router: router) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            var peers: Set<String> = []
            for _ in 0..<5 {
                peers.insert(try await client.get(url: "http://127.0.0.1:\(port)/peer").bodyText)
            }
            #expect(peers.count == 1)
            let key = HTTPPoolKey(secure: false, host: "127.0.0.1", port: port)
            #expect(client.pool.connectionCount(key) == 1)
            #expect(client.pool.idleCount(key) == 1)
        }
    }

    @Test func connectionClose_IsHonouredFromTheClientSide() async throws {
        var router = Router()
        router.get("/peer") { _, context in .text(context.remoteAddress ?? "?") }
        try await withTestServer(router: router) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            let url = "http://127.0.0.1:\(port)/peer"
            let first = try await client.execute(HTTPClientRequest(url: url, headers: ["Connection": "close"]))
            #expect(first.headers.hasToken("close", in: "Connection"))
            let second = try await client.get(url: url)
            #expect(first.bodyText != second.bodyText)
        }
    }

    @Test func hundredConcurrentRequests_ShareAtMostEightConnections() async throws {
        let peers = Mutex<Set<String>>([])
        var router = Router()
        router.get("/slow/:n") { request, context in
            peers.withLock { _ = $0.insert(context.remoteAddress ?? "?") }
            try await Task.sleep(for: .milliseconds(10))
            return .text(try context.parameter("n"))
        }
        try await withTestServer(router: router) { port in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 8))
            defer { Task { await client.shutdown() } }
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for n in 0..<100 {
                    group.addTask { try await client.get(url: "http://127.0.0.1:\(port)/slow/\(n)", timeout: .seconds(20)).bodyText }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(bodies == Set((0..<100).map(String.init)))
            let distinct = peers.withLock { $0.count }
            #expect(distinct <= 8)
            #expect(distinct >= 2)
            #expect(client.pool.connectionCount(HTTPPoolKey(secure: false, host: "127.0.0.1", port: port)) <= 8)
        }
    }

    @Test func slowHandler_FailsWithTimeout_AndClosesTheConnection() async throws {
        var router = Router()
        router.get("/sleep") { _, _ in
            // Far longer than any bound below: finishing early proves nobody waited for it.
            try await Task.sleep(for: .seconds(30))
            return .text("late")
        }
        let testStart = ContinuousClock.now
        try await withTestServer(router: router) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            let start = ContinuousClock.now
            let error = await failure { try await client.get(url: "http://127.0.0.1:\(port)/sleep", timeout: .milliseconds(300)) }
            #expect(error?.code == .timeout)
            #expect(ContinuousClock.now - start < .seconds(10))
            // The timed-out connection was closed, not returned to the pool.
            #expect(client.pool.idleCount(HTTPPoolKey(secure: false, host: "127.0.0.1", port: port)) == 0)
        }
        // The server saw the close at once, so its shutdown did not wait for the handler or its grace period.
        #expect(ContinuousClock.now - testStart < .seconds(10))
    }

    @Test func cancellingTheCaller_FailsTheRequest() async throws {
        var router = Router()
        router.get("/sleep") { _, _ in
            // Far longer than any bound below: finishing early proves nobody waited for it.
            try await Task.sleep(for: .seconds(30))
            return .text("late")
        }
        try await withTestServer(router: router) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            let start = ContinuousClock.now
            let task = Task { () throws(HTTPClientError) -> HTTPResponse in
                try await client.get(url: "http://127.0.0.1:\(port)/sleep")
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let result = await task.result
            guard case .failure(let error) = result else {
                Issue.record("expected cancellation")
                return
            }
            #expect((error as? HTTPClientError)?.code == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    @Test func idleConnectionClosedByServer_NextRequestStillSucceeds() async throws {
        var router = Router()
        router.get("/peer") { _, context in .text(context.remoteAddress ?? "?") }
        let configuration = HTTPServerConfiguration(idleTimeout: .milliseconds(100))
        try await withTestServer(router: router, configuration: configuration) { port in
            let client = HTTPClient()
            defer { Task { await client.shutdown() } }
            let first = try await client.get(url: "http://127.0.0.1:\(port)/peer")
            try await Task.sleep(for: .milliseconds(400))
            let second = try await client.get(url: "http://127.0.0.1:\(port)/peer")
            #expect(first.bodyText != second.bodyText)
        }
    }

    @Test func poolAtCapacity_WaiterTimesOut() async throws {
        var router = Router()
        router.get("/sleep") { _, _ in
            try await Task.sleep(for: .seconds(1))
            return .text("done")
        }
        try await withTestServer(router: router) { port in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 1))
            defer { Task { await client.shutdown() } }
            async let slow = client.get(url: "http://127.0.0.1:\(port)/sleep")
            try await Task.sleep(for: .milliseconds(100))
            let error = await failure { try await client.get(url: "http://127.0.0.1:\(port)/sleep", timeout: .milliseconds(200)) }
            #expect(error?.code == .timeout)
            #expect(try await slow.bodyText == "done")
        }
    }

    @Test func shutdown_RefusesNewRequests() async throws {
        let client = HTTPClient()
        await client.shutdown()
        await #expect(throws: HTTPClientError.self) { try await client.get(url: "http://127.0.0.1:1/") }
        do {
            _ = try await client.get(url: "http://127.0.0.1:1/")
        } catch {
            #expect(error.code == .poolShutdown)
        }
    }

    // MARK: Connect failures and URLs

    @Test func refusedConnect_FailsWithConnectFailed_AndDescriptionLeaksNoQuery() async throws {
        // A port that was free a moment ago: bind, read it, close.
        let probe = try Socket.tcp(family: AF_INET)
        try probe.bind(SocketAddress(host: "127.0.0.1", port: 0)!)
        let port = try probe.localAddress().port
        probe.close()
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.get(url: "http://127.0.0.1:\(port)/v1/x?access_token=s3cr3t", headers: ["Authorization": "Bearer t0k3n"])
            Issue.record("expected connect to fail")
        } catch {
            #expect(error.code == .connectFailed)
            #expect(error.underlying is SocketError)
            #expect(!"\(error)".contains("s3cr3t"))
            #expect(!"\(error)".contains("t0k3n"))
        }
    }

    @Test func invalidURLs_AreRejected() async throws {
        let client = HTTPClient()
        for url in ["ftp://x/", "http://", "http://user:pw@host/", "http://host:99999/", "http://host/a b", "127.0.0.1:80"] {
            do {
                _ = try await client.get(url: url)
                Issue.record("accepted \(url)")
            } catch {
                #expect(error.code == .invalidURL)
            }
        }
        let parsed = try HTTPClientURL(parsing: "HTTPS://[::1]:8443?q=1#frag")
        #expect(parsed == HTTPClientURL(secureHost: "::1", port: 8443, target: "/?q=1"))
        #expect(parsed.hostHeader == "[::1]:8443")
        #expect(try HTTPClientURL(parsing: "http://Example.com/a").hostHeader == "example.com")
    }

    @Test func headerInjection_IsRefused() async throws {
        let client = HTTPClient()
        do {
            _ = try await client.get(url: "http://127.0.0.1:1/", headers: ["X-Evil": "a\r\nHost: other"])
            Issue.record("sent a header with CRLF")
        } catch {
            #expect(error.code == .invalidRequest)
        }
    }

    // MARK: HTTPS

    @Test func https_SucceedsWithTrustedCertificate_FailsWithDefaultTrust() async throws {
        let certificate = try await TestCertificate.make()
        defer { certificate.remove() }
        let serverTLS = try TLSContext.server(certificateChainPath: certificate.certificatePath, privateKeyPath: certificate.keyPath)
        var router = Router()
        router.get("/hello") { _, context in .text("secure hi from \(context.remoteAddress ?? "?")") }
        try await withTestServer(router: router, tls: serverTLS) { port in
            let trust = try TLSContext.client(trustedCertificatesPath: certificate.certificatePath)
            let trusting = HTTPClient(configuration: HTTPClientConfiguration(tls: trust))
            defer { Task { await trusting.shutdown() } }
            let first = try await trusting.get(url: "https://127.0.0.1:\(port)/hello")
            #expect(first.status == .ok)
            #expect(first.bodyText.hasPrefix("secure hi"))
            let second = try await trusting.get(url: "https://127.0.0.1:\(port)/hello")
            #expect(second.bodyText == first.bodyText)  // same TLS connection, kept alive
            let byName = try await trusting.get(url: "https://localhost:\(port)/hello")
            #expect(byName.status == .ok)

            let untrusting = HTTPClient()
            defer { Task { await untrusting.shutdown() } }
            let error = await failure { try await untrusting.get(url: "https://127.0.0.1:\(port)/hello") }
            #expect(error?.code == .tlsFailed)
            #expect(error?.underlying is TLSError)
        }
    }

    @Test func https_RejectsCertificateForAnotherName() async throws {
        let certificate = try await TestCertificate.make()
        defer { certificate.remove() }
        let serverTLS = try TLSContext.server(certificateChainPath: certificate.certificatePath, privateKeyPath: certificate.keyPath)
        var router = Router()
        router.get("/hello") { _, _ in .text("hi") }
        // Listening on every address, so 127.0.0.2 (loopback on Linux) reaches it; the certificate names only
        // 127.0.0.1 and localhost.
        try await withTestServer(router: router, tls: serverTLS, configuration: HTTPServerConfiguration(host: "0.0.0.0")) { port in
            let trust = try TLSContext.client(trustedCertificatesPath: certificate.certificatePath)
            let client = HTTPClient(configuration: HTTPClientConfiguration(tls: trust))
            defer { Task { await client.shutdown() } }
            let error = await failure { try await client.get(url: "https://127.0.0.2:\(port)/hello") }
            #expect(error?.code == .tlsFailed)
        }
    }

    // MARK: Against a scripted raw server

    @Test func chunkedAndInterimResponses_AreDecoded() async throws {
        let server = try RawTestServer { _, request, _ in
            switch request {
            case 0:
                .send(
                    Array(
                        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n").utf8))
            default:
                .send(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8))
            }
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        let response = try await client.get(url: "http://127.0.0.1:\(server.port)/chunked")
        #expect(response.status == .ok)
        #expect(response.bodyText == "hello world")
        #expect(response.headers["Transfer-Encoding"] == nil)
        let empty = try await client.get(url: "http://127.0.0.1:\(server.port)/empty")
        #expect(empty.status == .noContent)
        #expect(server.connectionCount == 1)
    }

    @Test func bodyUntilClose_IsReadToTheEnd() async throws {
        let server = try RawTestServer { _, _, _ in
            .sendAndClose(Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it".utf8))
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        #expect(try await client.get(url: "http://127.0.0.1:\(server.port)/").bodyText == "all of it")
        #expect(try await client.get(url: "http://127.0.0.1:\(server.port)/").bodyText == "all of it")
        #expect(server.connectionCount == 2)
    }

    @Test func staleConnection_RetriesGetOnce_NeverPost() async throws {
        let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        // Each connection answers its first request, then closes without answering the second.
        let server = try RawTestServer { _, request, _ in request == 0 ? .send(ok) : .close }
        defer { server.stop() }
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        let url = "http://127.0.0.1:\(server.port)/"
        #expect(try await client.get(url: url).bodyText == "ok")
        // The kept-alive connection dies under the GET: retried on a new connection.
        #expect(try await client.get(url: url).bodyText == "ok")
        #expect(server.connectionCount == 2)
        // The same under a POST: not re-sent.
        do {
            _ = try await client.execute(HTTPClientRequest(method: .post, url: url, body: Array("charge".utf8)))
            Issue.record("a POST on a dying connection succeeded")
        } catch {
            #expect(error.code == .connectionClosed)
        }
        #expect(server.connectionCount == 2)
    }

    @Test func malformedResponse_FailsWithInvalidResponse() async throws {
        let conflicting = Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".utf8)
        let server = try RawTestServer { _, _, _ in .sendAndClose(conflicting) }
        defer { server.stop() }
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.get(url: "http://127.0.0.1:\(server.port)/")
            Issue.record("accepted conflicting Content-Length")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.underlying is HTTPParseError)
        }
    }

    // MARK: Response decoder

    @Test func decoder_FramesByMethodAndStatus() throws {
        func decode(_ text: String, method: HTTPMethod = .get, maxBody: Int = 1024) throws -> HTTPResponseDecoder.Decoded? {
            var decoder = HTTPResponseDecoder(requestMethod: method, limits: HTTPLimits(maxBodyBytes: maxBody))
            decoder.append(Array(text.utf8))
            return try decoder.next()
        }
        // HEAD: Content-Length describes the GET body; nothing follows.
        let head = try #require(try decode("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", method: .head))
        #expect(head.response.body.isEmpty && head.keepAlive)
        let notModified = try #require(try decode("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"))
        #expect(notModified.response.status == .notModified)
        // HTTP/1.0 closes unless asked to keep alive; Connection: close is honoured.
        #expect(try decode("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try decode("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")?.keepAlive == true)
        #expect(try decode("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        // A status line without a reason phrase.
        #expect(try decode("HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n")?.response.status == .created)
        // Incomplete, then too large, then malformed.
        #expect(try decode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == nil)
        #expect(throws: HTTPParseError.self) { try decode("HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n") }
        #expect(throws: HTTPParseError.self) { try decode("HTTP/1.1 2000 OK\r\n\r\n") }
        #expect(throws: HTTPParseError.self) { try decode("HTTP/1.1 200 OK\nContent-Length: 0\n\n\r\n\r\n") }
        #expect(throws: HTTPParseError.self) { try decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") }
    }

    @Test func decoder_ReadUntilCloseIsBoundedAndEndsAtEOF() throws {
        var decoder = HTTPResponseDecoder(requestMethod: .get, limits: HTTPLimits(maxBodyBytes: 8))
        decoder.append(Array("HTTP/1.1 200 OK\r\n\r\n1234".utf8))
        #expect(try decoder.next() == nil)
        let decoded = try #require(try decoder.finishAtEndOfStream())
        #expect(decoded.response.bodyText == "1234" && !decoded.keepAlive)

        var large = HTTPResponseDecoder(requestMethod: .get, limits: HTTPLimits(maxBodyBytes: 8))
        large.append(Array("HTTP/1.1 200 OK\r\n\r\n123456789".utf8))
        #expect(throws: HTTPParseError.self) { try large.next() }

        var cut = HTTPResponseDecoder(requestMethod: .get, limits: HTTPLimits())
        cut.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n1234".utf8))
        #expect(try cut.finishAtEndOfStream() == nil)
    }
}

/// Whether `condition` holds within a second, polling every 10 ms.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<100 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// The error `body` threw, or `nil` (recorded as an issue) when it succeeded.
func failure<T>(_ body: () async throws -> T) async -> HTTPClientError? {
    do {
        _ = try await body()
        Issue.record("expected an HTTPClientError")
        return nil
    } catch {
        #expect(error is HTTPClientError)
        return error as? HTTPClientError
    }
}

extension HTTPClientURL {
    init(secureHost host: String, port: Int, target: String) {
        self = try! HTTPClientURL(parsing: "https://x/")
        self.host = host
        self.port = port
        self.target = target
    }
}

extension HTTPClientTests {
    @Test func serverShutdown_CutsInFlightRequestsAfterTheGracePeriod() async throws {
        var router = Router()
        let handlerStarted = HandlerStarted()
        router.get("/sleep") { _, _ in
            handlerStarted.mark()
            // Far longer than any bound below: finishing early proves nobody waited for it.
            try await Task.sleep(for: .seconds(30))
            return .text("late")
        }
        let logger = Logger(label: "test.http.server") { _ in SwiftLogNoOpLogHandler() }
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: router.buildResponder(), logger: logger)
        let port = try server.start().port
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        let response = Task { try await client.get(url: "http://127.0.0.1:\(port)/sleep") }
        // Shut down only once the request is with the handler (judged by the handler, not by a sleep).
        for _ in 0..<1000 where !handlerStarted.value { try await Task.sleep(for: .milliseconds(10)) }
        let start = ContinuousClock.now
        await server.shutdown(gracePeriod: .milliseconds(200))
        #expect(ContinuousClock.now - start < .seconds(10))
        let error = await failure { try await response.value }
        #expect(error?.code == .connectionClosed)
    }
}

extension HTTPClientTests {
    @Test func silentServer_FailsWithConnectTimeout() async throws {
        // Accepts, then never answers the TLS ClientHello (it waits for an HTTP head that never comes).
        let server = try RawTestServer { _, _, _ in .close }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .milliseconds(200)))
        defer { Task { await client.shutdown() } }
        let start = ContinuousClock.now
        let error = await failure { try await client.get(url: "https://127.0.0.1:\(server.port)/", timeout: .seconds(60)) }
        #expect(error?.code == .timeout)
        #expect(ContinuousClock.now - start < .seconds(10))
        // The slot is freed once the descriptor is closed, just after the error is returned.
        let key = HTTPPoolKey(secure: true, host: "127.0.0.1", port: server.port)
        #expect(await eventually { client.pool.connectionCount(key) == 0 })
    }

    @Test func idleConnection_IsClosedAfterIdleTimeout() async throws {
        var router = Router()
        router.get("/hello") { _, _ in .text("hi") }
        try await withTestServer(router: router) { port in
            let client = HTTPClient(configuration: HTTPClientConfiguration(idleTimeout: .milliseconds(500)))
            defer { Task { await client.shutdown() } }
            let key = HTTPPoolKey(secure: false, host: "127.0.0.1", port: port)
            _ = try await client.get(url: "http://127.0.0.1:\(port)/hello")
            let answered = ContinuousClock.now
            let idle = client.pool.idleCount(key)
            // Judged only when the check ran well inside the idle timeout (a loaded machine can stall this task).
            if ContinuousClock.now - answered < .milliseconds(250) { #expect(idle == 1) }
            #expect(await eventually { client.pool.connectionCount(key) == 0 })
            #expect(try await client.get(url: "http://127.0.0.1:\(port)/hello").bodyText == "hi")
        }
    }

    @Test func cancellingAWaiter_LeavesThePoolUsable() async throws {
        var router = Router()
        router.get("/sleep") { _, _ in
            try await Task.sleep(for: .milliseconds(500))
            return .text("done")
        }
        try await withTestServer(router: router) { port in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 1))
            defer { Task { await client.shutdown() } }
            let url = "http://127.0.0.1:\(port)/sleep"
            let holder = Task { try await client.get(url: url) }
            try await Task.sleep(for: .milliseconds(100))
            let waiter = Task { try await client.get(url: url) }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            let error = await failure { try await waiter.value }
            #expect(error?.code == .cancelled)
            #expect(try await holder.value.bodyText == "done")
            #expect(try await client.get(url: url).bodyText == "done")
            #expect(client.pool.connectionCount(HTTPPoolKey(secure: false, host: "127.0.0.1", port: port)) == 1)
        }
    }
}

/// Set by a handler when it starts, read by the test.
final class HandlerStarted: Sendable {
    private let started = Mutex(false)
    func mark() { started.withLock { $0 = true } }
    var value: Bool { started.withLock { $0 } }
}
