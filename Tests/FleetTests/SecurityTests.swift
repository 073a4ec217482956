import API
import Foundation
import Testing
import Vendors

@Suite struct SecurityTests {
    /// Every fleet endpoint (method, path, scope it needs).
    static func endpoints(vehicle: String, account: String) -> [(String, String, String)] {
        [
            ("POST", "/v1/vendor-accounts", "fleet_write"), ("GET", "/v1/vendor-accounts", "fleet_read"),
            ("GET", "/v1/vendor-accounts/\(account)", "fleet_read"), ("DELETE", "/v1/vendor-accounts/\(account)", "fleet_write"),
            ("POST", "/v1/vendor-accounts/\(account)/sync", "fleet_write"), ("GET", "/v1/vehicles", "fleet_read"),
            ("POST", "/v1/vehicles", "fleet_write"), ("POST", "/v1/vehicles/import", "fleet_write"),
            ("GET", "/v1/vehicles/\(vehicle)", "fleet_read"), ("PATCH", "/v1/vehicles/\(vehicle)", "fleet_write"),
            ("DELETE", "/v1/vehicles/\(vehicle)", "fleet_write"), ("PUT", "/v1/vehicles/\(vehicle)/preferences", "fleet_write"),
            ("GET", "/v1/vehicles/\(vehicle)/opt-outs", "fleet_read"), ("POST", "/v1/vehicles/\(vehicle)/opt-outs", "fleet_write"),
            ("POST", "/v1/vehicles/\(vehicle)/opt-out-link", "fleet_write"), ("GET", "/v1/groups", "fleet_read"),
            ("PUT", "/v1/groups/west/vehicles/\(vehicle)", "fleet_write"), ("DELETE", "/v1/groups/west/vehicles/\(vehicle)", "fleet_write"),
        ]
    }

    @Test func everyEndpoint_Returns401WithoutToken_401Expired_403WrongScope_AndChangesNothing() async throws {
        try await FleetHarness.with { h in
            let vehicle = try await h.createVehicle(["groups": ["west"]])
            let account = try await h.createAccount()
            let expired = try await h.token(scopes: [.fleetRead, .fleetWrite], lifetime: .seconds(-1))
            let openADROnly = try await h.token(scopes: [.readAll, .writeEvents])
            let readOnly = try await h.token(scopes: [.fleetRead])
            let before = try await (h.dump("vehicles"), h.dump("vendor_accounts"), h.dump("vehicle_groups"))
            for (method, path, scope) in Self.endpoints(vehicle: vehicle, account: account) {
                let body: String? = ["GET", "DELETE"].contains(method) ? nil : "{}"
                let none = try await h.request(method, path, body: body, token: "")
                #expect(none.status == 401, "\(method) \(path)")
                #expect(none.header("WWW-Authenticate") == #"Bearer realm="curtail""#, "\(method) \(path)")
                #expect(none.header("Content-Type") == "application/problem+json")

                let garbage = try await h.request(method, path, body: body, token: "garbage")
                #expect(garbage.status == 401 && (garbage.header("WWW-Authenticate") ?? "").contains("invalid_token"), "\(method) \(path)")
                let old = try await h.request(method, path, body: body, token: expired)
                #expect(old.status == 401 && (old.header("WWW-Authenticate") ?? "").contains("invalid_token"), "\(method) \(path)")

                let wrongScope = try await h.request(method, path, body: body, token: openADROnly)
                #expect(wrongScope.status == 403, "\(method) \(path)")
                #expect(((wrongScope.object["detail"] as? String) ?? "").contains(scope))
                if scope == "fleet_write" {
                    #expect(try await h.request(method, path, body: body, token: readOnly).status == 403, "\(method) \(path)")
                }
            }
            let after = try await (h.dump("vehicles"), h.dump("vendor_accounts"), h.dump("vehicle_groups"))
            #expect(before == after)
            #expect(try await h.count("opt_outs") == 0)
            #expect(try await h.count("opt_out_links") == 0)
        }
    }

    @Test func database_HoldsNoPlaintextSecrets_AndLogsHoldNone() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let access = "plain-access-" + UUID().uuidString
            let refresh = "plain-refresh-" + UUID().uuidString
            let rotated = VendorCredentials(
                accessToken: "rotated-access-" + UUID().uuidString, refreshToken: "rotated-refresh-" + UUID().uuidString,
                expiresAt: Date().addingTimeInterval(3600))
            for secret in [access, refresh, rotated.accessToken, rotated.refreshToken] { TestLog.remember(secret) }
            fake.state.withLock {
                $0.refreshes[refresh] = .success(rotated)
                $0.vehicles[rotated.accessToken] = [VendorVehicle(id: "VIN-SEC-1", make: "Tesla")]
            }
            // A client created through the API's own path: its secret and token must not be stored.
            let credentials = try await h.app.clients.create(name: "security probe", scopes: [.fleetRead])
            TestLog.remember(credentials.clientSecret)
            let token = try await h.request(
                "POST", "/openadr3/3.0.1/auth/token",
                body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)",
                contentType: "application/x-www-form-urlencoded", token: "")
            let bearer = try #require(token.object["access_token"] as? String)
            TestLog.remember(bearer)

            // A full flow: create (near expiry), sync (refresh + list), driver link, and requests that fail while
            // carrying secrets.
            let account = try await h.createAccount(access: access, refresh: refresh, expiresIn: 30)
            #expect(try await h.request("POST", "/v1/vendor-accounts/\(account)/sync").status == 200)
            let vehicle = try #require(try await h.get("/v1/vehicles").array.first?["id"] as? String)
            let link = try #require(try await h.request("POST", "/v1/vehicles/\(vehicle)/opt-out-link").object["token"] as? String)
            TestLog.remember(link)
            #expect(try await h.request("POST", "/v1/driver/opt-out?token=\(link)", token: "").status == 201)
            _ = try await h.request("POST", "/v1/vendor-accounts", body: #"{"vendor":"tesla","access_token":"\#(access)","refresh_token":3}"#)
            _ = try await h.request("POST", "/v1/vendor-accounts", body: "not json \(refresh)")
            _ = try await h.get("/v1/vehicles", token: access)
            _ = try await h.get("/v1/vehicles", token: bearer)

            let secrets = TestLog.secrets.withLock { $0 }
            for table in ["vendor_accounts", "vehicles", "clients", "access_tokens", "opt_out_links", "opt_outs"] {
                let dump = try await h.dump(table)
                for secret in secrets { #expect(!dump.contains(secret), "\(table) holds a secret in plaintext") }
            }
            let logs = TestLog.lines.withLock { $0 }
            #expect(logs.contains { $0.contains("vendor token refreshed") })
            for line in logs {
                for secret in secrets { #expect(!line.contains(secret), "a log line holds a secret: \(line.prefix(80))") }
            }
        }
    }
}
