import API
import Foundation
import Synchronization
import Testing

/// Credential guessing on the token endpoint (issue #9): failures are counted per address and per client id.
@Suite struct AuthRateLimitTests {
    static let form = ["Content-Type": "application/x-www-form-urlencoded"]

    @Test func guessing_Gets429WithRetryAfter_AndRightSecretsCostNothing() async throws {
        try await TestApp.with { app in
            let credentials = try await app.app.clients.create(name: "target", scopes: [.readAll])
            func attempt(_ secret: String) async throws -> TestResponse {
                try await app.request(
                    "POST", "/openadr3/3.0.1/auth/token", headers: Self.form,
                    body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(secret)")
            }
            // Successes interleaved with failures do not use up the budget: 5 failures (the burst) are answered.
            for i in 0..<5 {
                #expect(try await attempt(credentials.clientSecret).status == 200)
                #expect(try await attempt("guess\(i)").status == 401)
            }
            // The next failure is limited; a slow machine may have refilled a token (one per 6 s) meanwhile, so
            // allow a few more 401s first, but never an unbounded number.
            var limited: TestResponse?
            for i in 0..<5 {
                let response = try await attempt("more\(i)")
                if response.status == 429 {
                    limited = response
                    break
                }
                #expect(response.status == 401)
            }
            let response = try #require(limited, "guessing was never limited")
            #expect(response.json?["error"] as? String == "temporarily_unavailable")
            #expect(response.headers["cache-control"] == "no-store")
            let retryAfter = Int(response.headers["retry-after"] ?? "") ?? 0
            #expect((1...6).contains(retryAfter))  // 10 per minute: a token every 6 s
            // The right secret is refused too while the address is limited: it is not even checked.
            if retryAfter > 2 { #expect(try await attempt(credentials.clientSecret).status == 429) }
        }
    }

    @Test func addressBucket_RefillsOverTime() {
        let clock = TestClock()
        let limiter = AuthRateLimiter(policy: .init(addressBurst: 2, addressPerMinute: 10), now: clock.now)
        for _ in 0..<2 { #expect(limiter.acquire(address: "10.0.0.1:40000", clientID: "c").isAllowed) }
        // Another port on the same host shares the bucket.
        #expect(limiter.acquire(address: "10.0.0.1:40001", clientID: "c") == .limited(retryAfter: .seconds(6)))
        #expect(limiter.acquire(address: "10.0.0.2:40000", clientID: "c").isAllowed)  // another host is not limited
        clock.advance(.seconds(3))
        #expect(limiter.acquire(address: "10.0.0.1:1", clientID: "c") == .limited(retryAfter: .seconds(3)))
        clock.advance(.seconds(3))
        #expect(limiter.acquire(address: "10.0.0.1:1", clientID: "c").isAllowed)
        #expect(!limiter.acquire(address: "10.0.0.1:1", clientID: "c").isAllowed)
    }

    @Test func clientBucket_LimitsGuessingSpreadOverAddresses() {
        let clock = TestClock()
        let limiter = AuthRateLimiter(policy: .init(addressBurst: 5, clientBurst: 20, clientPerMinute: 30), now: clock.now)
        for i in 0..<20 { #expect(limiter.acquire(address: "[2001:db8::\(i)]:443", clientID: "victim").isAllowed) }
        #expect(limiter.acquire(address: "[2001:db8::99]:443", clientID: "victim") == .limited(retryAfter: .seconds(2)))
        #expect(limiter.acquire(address: "[2001:db8::99]:443", clientID: "other").isAllowed)
    }

    @Test func refund_GivesTheTokensBack() {
        let limiter = AuthRateLimiter(policy: .init(addressBurst: 1), now: TestClock().now)
        for _ in 0..<10 {
            guard case .allowed(let permit) = limiter.acquire(address: "127.0.0.1:1", clientID: "c") else {
                Issue.record("limited although every attempt was refunded")
                return
            }
            limiter.refund(permit)
        }
    }
}

extension AuthRateLimiter.Decision {
    var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// A clock that moves only when told to.
final class TestClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}
