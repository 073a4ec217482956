import Foundation
import HTTP
import Testing

@testable import Vendors

@Suite struct SmartcarAPITests {
    static let id = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
    static let vehiclePath = "/v2.0/vehicles/\(id)"

    func api(_ base: String, _ client: HTTPClient) -> SmartcarAPI {
        SmartcarAPI(
            apiBase: base, authURL: base + "/oauth/token", clientID: "sc-client", clientSecret: "sc-secret",
            client: client, timeouts: .test, logger: quietLogger, now: { fixedNow })
    }

    static func error(
        _ status: Int, _ type: String, _ code: String?, resolution: String? = nil, headers: HTTPHeaders = [:]
    ) -> HTTPResponse {
        let codeJSON = code.map { "\"\($0)\"" } ?? "null"
        let resolutionJSON = resolution.map { "\"\($0)\"" } ?? "null"
        var headers = headers
        if headers["SC-Request-Id"] == nil { headers["SC-Request-Id"] = "req-\(status)" }
        return json(
            #"{"type":"\#(type)","code":\#(codeJSON),"description":"Some prose.","docURL":"https://smartcar.com/docs","statusCode":\#(status),"requestId":"req-\#(status)","resolution":{"type":\#(resolutionJSON)},"suggestedUserMessage":"Something."}"#,
            status: status, headers: headers)
    }

    static let success = json(#"{"message":"Successfully sent request to vehicle","status":"success"}"#)

    // MARK: Reads

    @Test func listVehicles_PagesThenReadsEachVehiclesAttributes() async throws {
        try await withFakeVendor { fake, base, client async throws in
            let other = "c5d5a1c4-38a6-4a3f-9c47-8a5b0a0f0a01"
            fake.on(.get, "/v2.0/vehicles", json(#"{"vehicles":["\#(Self.id)","\#(other)"],"paging":{"count":2,"offset":0}}"#))
            fake.on(.get, Self.vehiclePath, json(#"{"id":"\#(Self.id)","make":"NISSAN","model":"LEAF","year":2021}"#))
            fake.on(.get, "/v2.0/vehicles/\(other)", json(#"{"id":"\#(other)","make":"FORD","model":"Mustang Mach-E","year":2022}"#))
            let vehicles = try await api(base, client).listVehicles(accessToken: "sc-access")
            #expect(
                vehicles == [
                    VendorVehicle(id: Self.id, make: "NISSAN", model: "LEAF", year: 2021),
                    VendorVehicle(id: other, make: "FORD", model: "Mustang Mach-E", year: 2022),
                ])
            #expect(fake.requests.first?.target == "/v2.0/vehicles?limit=50&offset=0")
            #expect(fake.requests.allSatisfy { $0.headers["Authorization"] == "Bearer sc-access" })
        }
    }

    @Test func listVehicles_FollowsOffsets() async throws {
        try await withFakeVendor { fake, base, client async throws in
            let ids = (0..<51).map { String(format: "00000000-0000-0000-0000-%012d", $0) }
            let first = ids.prefix(50).map { "\"\($0)\"" }.joined(separator: ",")
            fake.on(
                .get, "/v2.0/vehicles", json(#"{"vehicles":[\#(first)],"paging":{"count":51,"offset":0}}"#),
                json(#"{"vehicles":["\#(ids[50])"],"paging":{"count":51,"offset":50}}"#))
            for id in ids { fake.on(.get, "/v2.0/vehicles/\(id)", json(#"{"id":"\#(id)","make":"BMW","model":"i4","year":2023}"#)) }
            let vehicles = try await api(base, client).listVehicles(accessToken: "a")
            #expect(vehicles.map(\.id) == ids)
            #expect(fake.requests(to: "/v2.0/vehicles").map(\.target) == ["/v2.0/vehicles?limit=50&offset=0", "/v2.0/vehicles?limit=50&offset=50"])
        }
    }

    @Test func chargeState_CombinesChargeBatteryAndLimit_AsPercent() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "\(Self.vehiclePath)/charge", json(#"{"isPluggedIn":true,"state":"CHARGING"}"#))
            fake.on(.get, "\(Self.vehiclePath)/battery", json(#"{"percentRemaining":0.3,"range":40.5}"#))
            fake.on(.get, "\(Self.vehiclePath)/charge/limit", json(#"{"limit":0.8}"#))
            let state = try await api(base, client).chargeState(of: Self.id, accessToken: "a")
            #expect(state.pluggedIn == true)
            #expect(state.charging == true)
            #expect(state.soc == 30)
            #expect(state.chargeLimit == 80)
            #expect(state.amps == nil && state.powerKW == nil)
            #expect(fake.requests.allSatisfy { $0.headers["SC-Unit-System"] == "metric" })
        }
    }

    @Test(arguments: ["FULLY_CHARGED", "NOT_CHARGING"])
    func chargeState_OtherStates_AreNotCharging(state: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "\(Self.vehiclePath)/charge", json(#"{"isPluggedIn":true,"state":"\#(state)"}"#))
            fake.on(.get, "\(Self.vehiclePath)/battery", json(#"{"percentRemaining":0.8}"#))
            fake.on(.get, "\(Self.vehiclePath)/charge/limit", json(#"{"limit":0.8}"#))
            #expect(try await api(base, client).chargeState(of: Self.id, accessToken: "a").charging == false)
        }
    }

    @Test func chargeState_LimitThatNeedsThePlug_IsLeftOut() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "\(Self.vehiclePath)/charge", json(#"{"isPluggedIn":false,"state":"NOT_CHARGING"}"#))
            fake.on(.get, "\(Self.vehiclePath)/battery", json(#"{"percentRemaining":0.55}"#))
            fake.on(.get, "\(Self.vehiclePath)/charge/limit", Self.error(409, "VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED"))
            let state = try await api(base, client).chargeState(of: Self.id, accessToken: "a")
            #expect(state == ChargeState(pluggedIn: false, charging: false, soc: 55, chargeLimit: nil))
        }
    }

    @Test func chargeState_RateLimitOnAnyPart_Throws() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "\(Self.vehiclePath)/charge", json(#"{"isPluggedIn":true,"state":"CHARGING"}"#))
            fake.on(.get, "\(Self.vehiclePath)/battery", Self.error(429, "RATE_LIMIT", "VEHICLE", headers: ["Retry-After": "60"]))
            fake.on(.get, "\(Self.vehiclePath)/charge/limit", json(#"{"limit":0.8}"#))
            let error = await vendorError { try await api(base, client).chargeState(of: Self.id, accessToken: "a") }
            #expect(error?.kind == .rateLimited(retryAfter: 60))
        }
    }

    // MARK: Commands

    @Test func commands_PostTheDocumentedBodies() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.vehiclePath)/charge", Self.success)
            fake.on(.post, "\(Self.vehiclePath)/charge/limit", Self.success)
            let smartcar = api(base, client)
            #expect(try await smartcar.send(.startCharging, to: Self.id, accessToken: "a") == .done)
            #expect(try await smartcar.send(.stopCharging, to: Self.id, accessToken: "a") == .done)
            #expect(try await smartcar.send(.setChargeLimit(80), to: Self.id, accessToken: "a") == .done)
            #expect(try await smartcar.send(.setChargeLimit(100), to: Self.id, accessToken: "a") == .done)
            #expect(fake.requests.map(\.bodyText) == [#"{"action":"START"}"#, #"{"action":"STOP"}"#, #"{"limit":0.80}"#, #"{"limit":1.00}"#])
            #expect(fake.requests.allSatisfy { $0.headers["Content-Type"] == "application/json" })
        }
    }

    @Test func ampsWakeAndBadLimits_MakeNoCall() async throws {
        try await withFakeVendor { fake, base, client async throws in
            let smartcar = api(base, client)
            let amps = await vendorError { try await smartcar.send(.setChargingAmps(16), to: Self.id, accessToken: "a") }
            #expect(amps?.kind == .permanent)
            #expect(amps?.reason.hasPrefix("not supported") == true)
            #expect(try await smartcar.send(.wake, to: Self.id, accessToken: "a") == .alreadyInState(reason: "smartcar wakes vehicles itself"))
            #expect(await vendorError { try await smartcar.send(.setChargeLimit(40), to: Self.id, accessToken: "a") }?.kind == .permanent)
            #expect(fake.requests.isEmpty)
        }
    }

    @Test(arguments: [
        (VehicleCommand.stopCharging, "NOT_CHARGING"),
        (.startCharging, "CHARGING_IN_PROGRESS"),
        (.startCharging, "FULLY_CHARGED"),
    ])
    func alreadyStates_AreSuccess(command: VehicleCommand, code: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.vehiclePath)/charge", Self.error(409, "VEHICLE_STATE", code))
            let outcome = try await api(base, client).send(command, to: Self.id, accessToken: "a")
            #expect(outcome == .alreadyInState(reason: "VEHICLE_STATE:\(code)"))
        }
    }

    @Test func chargingInProgress_ToAStop_IsNotSuccess() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.vehiclePath)/charge", Self.error(409, "VEHICLE_STATE", "CHARGING_IN_PROGRESS"))
            let error = await vendorError { try await api(base, client).send(.stopCharging, to: Self.id, accessToken: "a") }
            #expect(error?.kind == .permanent)
        }
    }

    // MARK: Errors

    static let errorCases: [(HTTPResponse, VendorError.Kind, String)] = [
        (error(409, "VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED"), .permanent, "VEHICLE_STATE:CHARGING_PLUG_NOT_CONNECTED (SC-Request-Id req-409)"),
        (error(409, "VEHICLE_STATE", "ASLEEP"), .retryable, "VEHICLE_STATE:ASLEEP (SC-Request-Id req-409)"),
        (error(409, "VEHICLE_STATE", "UNREACHABLE"), .retryable, "VEHICLE_STATE:UNREACHABLE (SC-Request-Id req-409)"),
        (error(409, "VEHICLE_STATE", "UNKNOWN", resolution: "RETRY_LATER"), .retryable, "VEHICLE_STATE:UNKNOWN (SC-Request-Id req-409)"),
        (error(409, "VEHICLE_STATE", "CHARGE_FAULT"), .permanent, "VEHICLE_STATE:CHARGE_FAULT (SC-Request-Id req-409)"),
        (error(429, "RATE_LIMIT", "VEHICLE", headers: ["Retry-After": "60"]), .rateLimited(retryAfter: 60), "RATE_LIMIT:VEHICLE (SC-Request-Id req-429)"),
        (error(429, "RATE_LIMIT", "SMARTCAR_API"), .rateLimited(retryAfter: nil), "RATE_LIMIT:SMARTCAR_API (SC-Request-Id req-429)"),
        (error(401, "AUTHENTICATION", nil, resolution: "REAUTHENTICATE"), .unauthorized, "AUTHENTICATION (SC-Request-Id req-401)"),
        (error(403, "PERMISSION", nil), .needsReconsent, "PERMISSION (SC-Request-Id req-403)"),
        (error(400, "CONNECTED_SERVICES_ACCOUNT", "AUTHENTICATION_FAILED", resolution: "REAUTHENTICATE"), .needsReconsent, "CONNECTED_SERVICES_ACCOUNT:AUTHENTICATION_FAILED (SC-Request-Id req-400)"),
        (error(400, "CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED"), .permanent, "CONNECTED_SERVICES_ACCOUNT:VIRTUAL_KEY_REQUIRED (SC-Request-Id req-400)"),
        (error(430, "BILLING", "VEHICLE_REQUEST_LIMIT"), .permanent, "BILLING:VEHICLE_REQUEST_LIMIT (SC-Request-Id req-430)"),
        (error(501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"), .permanent, "COMPATIBILITY:VEHICLE_NOT_CAPABLE (SC-Request-Id req-501)"),
        (error(404, "RESOURCE_NOT_FOUND", "PATH"), .permanent, "RESOURCE_NOT_FOUND:PATH (SC-Request-Id req-404)"),
        (error(400, "VALIDATION", "PARAMETER"), .permanent, "VALIDATION:PARAMETER (SC-Request-Id req-400)"),
        (error(500, "SERVER", "INTERNAL"), .retryable, "SERVER:INTERNAL (SC-Request-Id req-500)"),
        (error(502, "UPSTREAM", "NO_RESPONSE"), .retryable, "UPSTREAM:NO_RESPONSE (SC-Request-Id req-502)"),
        (error(502, "UPSTREAM", "RATE_LIMIT", headers: ["Retry-After": "1800"]), .rateLimited(retryAfter: 1800), "UPSTREAM:RATE_LIMIT (SC-Request-Id req-502)"),
        (HTTPResponse(status: .init(code: 503), headers: ["SC-Request-Id": "abc"], body: Array("down".utf8)), .retryable, "HTTP 503 (SC-Request-Id abc)"),
    ]

    @Test(arguments: errorCases)
    func errors_AreClassified_WithTheRequestID(response: HTTPResponse, kind: VendorError.Kind, reason: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.vehiclePath)/charge", response)
            fake.on(.get, Self.vehiclePath, response)
            fake.on(.get, "/v2.0/vehicles", json(#"{"vehicles":["\#(Self.id)"],"paging":{"count":1,"offset":0}}"#))
            let smartcar = api(base, client)
            let command = await vendorError { try await smartcar.send(.startCharging, to: Self.id, accessToken: "a") }
            let list = await vendorError { try await smartcar.listVehicles(accessToken: "a") }
            for error in [command, list] {
                #expect(error?.kind == kind)
                #expect(error?.reason == reason)
                #expect(error?.status == response.status.code)
            }
        }
    }

    // MARK: Refresh

    @Test func refresh_UsesBasicAuth_AndReturnsRotatedTokens() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .post, "/oauth/token",
                json(#"{"access_token":"sc-access-2","token_type":"Bearer","expires_in":7200,"refresh_token":"sc-refresh-2"}"#))
            let credentials = try await api(base, client).refresh(refreshToken: "sc-refresh-1")
            #expect(credentials == VendorCredentials(accessToken: "sc-access-2", refreshToken: "sc-refresh-2", expiresAt: fixedNow.addingTimeInterval(7200)))
            let request = try #require(fake.requests.first)
            #expect(request.headers["Authorization"] == "Basic " + Data("sc-client:sc-secret".utf8).base64EncodedString())
            #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
            #expect(request.headers["User-Agent"] != nil)
            #expect(request.bodyText == "grant_type=refresh_token&refresh_token=sc-refresh-1")
        }
    }

    @Test func refresh_InvalidGrant_NeedsReconsent_WithoutEchoingTheToken() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "/oauth/token", json(#"{"error":"invalid_grant","error_description":"Invalid refresh_token: sc-refresh-1."}"#, status: 400))
            let error = await vendorError { try await api(base, client).refresh(refreshToken: "sc-refresh-1") }
            #expect(error?.kind == .needsReconsent)
            #expect(error?.reason == "oauth: invalid_grant")
            #expect(error?.description.contains("sc-refresh-1") == false)
            #expect(error?.description.contains("sc-secret") == false)
        }
    }
}
