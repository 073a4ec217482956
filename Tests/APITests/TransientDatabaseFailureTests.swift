import API
import Foundation
import HTTP
import Logging
import Postgres
import Synchronization
import Testing

/// The database's transient failures answer 503 with Retry-After (problem+json), never 500; a deadlocked idempotent
/// request is run once more.
@Suite struct TransientDatabaseFailureTests {
    /// Every pooled connection held elsewhere: the request waits the pool's acquire timeout, then answers 503.
    @Test func poolTimeout_Answers503WithRetryAfter() async throws {
        try await TestApp.with(pool: { $0.maxConnections = 2; $0.acquireTimeout = .milliseconds(300) }) { app in
            let token = try await app.token(scopes: [.readAll])
            let (acquired, acquiredSignal) = AsyncStream<Void>.makeStream()
            // Two holders, each on its own release stream (an AsyncStream has one consumer).
            let releases = (0..<2).map { _ in AsyncStream<Void>.makeStream() }
            let holders = releases.map { release in
                Task {
                    try await app.app.pool.withConnection { _ in
                        acquiredSignal.yield()
                        for await _ in release.stream { break }
                    }
                }
            }
            var held = 0
            for await _ in acquired {
                held += 1
                if held == 2 { break }
            }
            let response = try await app.request("GET", "/openadr3/3.0.1/programs", headers: ["Authorization": "Bearer \(token)"])
            for release in releases { release.continuation.finish() }
            for holder in holders { try await holder.value }
            #expect(response.status == 503, "\(response.body)")
            #expect(response.headers["retry-after"] == "1")
            #expect(response.headers["content-type"] == "application/problem+json")
            #expect(response.json?["status"] as? Int == 503)
            // The connections are back: the same request succeeds.
            let again = try await app.request("GET", "/openadr3/3.0.1/programs", headers: ["Authorization": "Bearer \(token)"])
            #expect(again.status == 200, "\(again.body)")
        }
    }

    /// A route that fails with SQLSTATE `sqlState` the first `failures` times it runs, behind the middleware.
    /// How many times the route ran (shared with the handler closure).
    final class Runs: Sendable {
        private let count = Mutex(0)
        func next() -> Int { count.withLock { $0 += 1; return $0 } }
        var value: Int { count.withLock { $0 } }
    }

    static func responder(method: HTTPMethod, failures: Int, sqlState: String, runs: Runs) -> RouterResponder {
        var router = Router()
        router.add(handlerMiddleware: TransientDatabaseFailures())
        router.on(method, "/thing") { _, _ in
            let run = runs.next()
            if run <= failures { throw PostgresError(code: .server, sqlState: sqlState, message: "conflict") }
            return .text("ok\n")
        }
        return router.buildResponder()
    }

    static func send(_ method: HTTPMethod, to responder: RouterResponder) async -> HTTPResponse {
        await responder.respond(
            to: HTTPRequest(method: method, target: "/thing"), context: RequestContext(requestID: "t", logger: Logger(label: "test.transient")))
    }

    @Test(arguments: ["40P01", "40001"])
    func deadlockedIdempotentRequest_IsRunOnceMore(sqlState: String) async throws {
        for method in [HTTPMethod.get, .put, .delete] {
            let runs = Runs()
            let response = await Self.send(method, to: Self.responder(method: method, failures: 1, sqlState: sqlState, runs: runs))
            #expect(response.status == .ok, "\(method)")
            #expect(runs.value == 2)
        }
    }

    @Test func deadlockTwice_OrOnAPost_Answers503() async throws {
        for (method, failures, expectedRuns) in [(HTTPMethod.get, 2, 2), (.post, 1, 1)] {
            let runs = Runs()
            let response = await Self.send(method, to: Self.responder(method: method, failures: failures, sqlState: "40P01", runs: runs))
            #expect(response.status == .serviceUnavailable, "\(method)")
            #expect(response.headers["Retry-After"] == "1")
            #expect(response.headers["Content-Type"] == "application/problem+json")
            #expect(runs.value == expectedRuns, "\(method)")
        }
    }

    @Test func otherDatabaseErrors_AreStill500() async throws {
        let runs = Runs()
        let response = await Self.send(.get, to: Self.responder(method: .get, failures: 1, sqlState: "23505", runs: runs))
        #expect(response.status == .internalServerError)
        #expect(runs.value == 1)
    }
}
