import API
import Foundation
import Postgres
import Testing

@Suite struct AuthTests {
    @Test func token_IsIssued_ForFormCredentials_AndHTTPBasic() async throws {
        try await TestApp.with { app in
            let credentials = try await app.app.clients.create(name: "Utility BL", scopes: [.readAll, .writeEvents])
            let form = try await app.request(
                "POST", "/openadr3/3.0.1/auth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)&scope=read_all+write_events")
            #expect(form.status == 200)
            #expect(form.headers["cache-control"] == "no-store")
            #expect(form.json?["token_type"] as? String == "Bearer")
            #expect(form.json?["expires_in"] as? Int == 3600)
            #expect(form.json?["scope"] as? String == "read_all write_events")
            let basic = Data("\(credentials.clientID):\(credentials.clientSecret)".utf8).base64EncodedString()
            let viaBasic = try await app.request(
                "POST", "/openadr3/3.0.1/auth/token",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"],
                body: "grant_type=client_credentials")
            #expect(viaBasic.status == 200)
            #expect(viaBasic.json?["access_token"] as? String != form.json?["access_token"] as? String)
        }
    }

    @Test func token_Rejects_WrongSecret_UnknownGrant_ForeignScope() async throws {
        try await TestApp.with { app in
            let credentials = try await app.app.clients.create(name: "ven", scopes: [.readAll, .writeReports])
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            let wrong = try await app.request(
                "POST", "/openadr3/3.0.1/auth/token", headers: form,
                body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=nope")
            #expect(wrong.status == 401)
            #expect(wrong.json?["error"] as? String == "invalid_client")
            #expect(wrong.headers["www-authenticate"] != nil)
            let grant = try await app.request("POST", "/openadr3/3.0.1/auth/token", headers: form, body: "grant_type=password&username=a")
            #expect(grant.status == 400)
            #expect(grant.json?["error"] as? String == "unsupported_grant_type")
            let scope = try await app.request(
                "POST", "/openadr3/3.0.1/auth/token", headers: form,
                body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)&scope=write_programs")
            #expect(scope.status == 400)
            #expect(scope.json?["error"] as? String == "invalid_scope")
            let json = try await app.request("POST", "/openadr3/3.0.1/auth/token", headers: ["Content-Type": "application/json"], body: "{}")
            #expect(json.status == 400)
        }
    }

    @Test func secrets_AndTokens_AreStoredOnlyAsDigests() async throws {
        try await TestApp.with { app in
            let credentials = try await app.app.clients.create(name: "digest check", scopes: [.readAll])
            let token = try await app.token(scopes: [.readAll])
            let dump = try await app.app.pool.query(
                "SELECT coalesce(string_agg(c::text, ' '), '') AS text FROM (SELECT row_to_json(clients)::text AS c FROM clients UNION ALL SELECT row_to_json(access_tokens)::text FROM access_tokens) rows")
            let text = try dump.first?.decode(String.self, column: "text") ?? ""
            #expect(!text.isEmpty)
            #expect(!text.contains(credentials.clientSecret))
            #expect(!text.contains(token))
        }
    }

    @Test func expiredToken_AuthenticatesNoOne() async throws {
        try await TestApp.with { app in
            let token = try await app.token(scopes: [.fleetRead])
            let principal = try #require(try await app.app.clients.principal(forToken: token))
            #expect(principal.scopes.contains(.fleetRead))
            try await app.app.pool.execute("UPDATE access_tokens SET expires_at = now() - interval '1 second'")
            #expect(try await app.app.clients.principal(forToken: token) == nil)
        }
    }

    @Test func probes_Answer() async throws {
        try await TestApp.with { app in
            #expect(try await app.request("GET", "/healthz").status == 200)
            let ready = try await app.request("GET", "/readyz")
            #expect(ready.status == 200)
            _ = try await app.request("GET", "/nowhere")
            let metrics = try await app.request("GET", "/metrics")
            #expect(metrics.body.contains(#"curtail_http_requests_total{method="GET",route="/readyz",status="200"} 1"#))
            #expect(metrics.body.contains(#"route="unmatched",status="404""#))
        }
    }
}
