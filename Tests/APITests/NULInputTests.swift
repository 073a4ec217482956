import API
import Foundation
import Testing

/// U+0000 cannot be stored by PostgreSQL: every way it can arrive is a 400 (never a 500), and nothing is stored.
@Suite struct NULInputTests {
    @Test func nulInJSONBodies_QueryFilters_AndTokenForms_Is400() async throws {
        try await TestApp.with { app in
            let token = try await app.token(scopes: [.readAll, .writePrograms, .writeVENs, .fleetWrite, .fleetRead])
            let json = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            // A value, and a key deep inside free-form attributes (jsonb), each spelled as a JSON escape.
            for body in [
                #"{"programName":"a\u0000b"}"#,
                #"{"venName":"v","attributes":[{"type":"x\u0000","values":[{"k\u0000":1}]}]}"#,
            ] {
                let path = body.contains("venName") ? "/openadr3/3.0.1/vens" : "/openadr3/3.0.1/programs"
                let response = try await app.request("POST", path, headers: json, body: body)
                #expect(response.status == 400, "\(body): \(response.body)")
                #expect(response.headers["content-type"] == "application/problem+json")
            }
            // An escaped backslash followed by "u0000" is six ordinary characters, not a NUL.
            let literal = try await app.request("POST", "/openadr3/3.0.1/programs", headers: json, body: #"{"programName":"a\\u0000b"}"#)
            #expect(literal.status == 201, "\(literal.body)")

            let filtered = try await app.request(
                "GET", "/openadr3/3.0.1/events?targetType=GROUP&targetValues=a%00b", headers: ["Authorization": "Bearer \(token)"])
            #expect(filtered.status == 400, "\(filtered.body)")
            #expect(filtered.body.contains("targetValues"))

            let form = try await app.request(
                "POST", "/openadr3/3.0.1/auth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: "grant_type=client_credentials&client_id=a%00b&client_secret=c")
            #expect(form.status == 400)
            #expect(form.json?["error"] as? String == "invalid_request", "OAuth errors stay OAuth-shaped")

            let stored = try await app.request("GET", "/openadr3/3.0.1/programs", headers: ["Authorization": "Bearer \(token)"])
            #expect(stored.status == 200)
            #expect(stored.body.components(separatedBy: "programName").count == 2, "only the literal program: \(stored.body)")
        }
    }
}
