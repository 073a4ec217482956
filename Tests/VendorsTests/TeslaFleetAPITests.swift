import Foundation
import HTTP
import Testing

@testable import Vendors

@Suite struct TeslaFleetAPITests {
    static let vin = "5YJ3E7EB0KF000001"
    static let commandPath = "/api/1/vehicles/\(vin)/command"

    func api(_ base: String, _ client: HTTPClient, proxy: String? = nil) -> TeslaFleetAPI {
        TeslaFleetAPI(
            apiBase: base + "/", authURL: base + "/oauth2/v3/token", clientID: "client-1", commandProxyBase: proxy,
            client: client, timeouts: .test, logger: quietLogger, now: { fixedNow })
    }

    static func vehicleJSON(_ vin: String, state: String = "online") -> String {
        #"{"id":100021,"vehicle_id":99999,"vin":"\#(vin)","state":"\#(state)","id_s":"100021","display_name":"Owned"}"#
    }

    static func result(_ ok: Bool, _ reason: String = "", key: String = "reason") -> HTTPResponse {
        json(#"{"response":{"result":\#(ok),"\#(key)":"\#(reason)"}}"#)
    }

    static func error(_ status: Int, _ error: String) -> HTTPResponse {
        json(#"{"response":null,"error":"\#(error)","error_description":""}"#, status: status)
    }

    // MARK: Reads

    @Test func listVehicles_FollowsPages_AndReadsModelAndYearFromTheVIN() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .get, "/api/1/vehicles",
                json(
                    #"{"response":[\#(Self.vehicleJSON(Self.vin))],"pagination":{"previous":null,"next":2,"current":1,"per_page":1,"count":2,"pages":2},"count":2}"#
                ),
                json(
                    #"{"response":[\#(Self.vehicleJSON("7SAYGDEE5PA000002", state: "asleep"))],"pagination":{"previous":1,"next":null,"current":2,"per_page":1,"count":2,"pages":2},"count":2}"#
                ))
            let vehicles = try await api(base, client).listVehicles(accessToken: "access-1")
            #expect(
                vehicles == [
                    VendorVehicle(id: Self.vin, make: "Tesla", model: "Model 3", year: 2019, vin: Self.vin),
                    VendorVehicle(
                        id: "7SAYGDEE5PA000002", make: "Tesla", model: "Model Y", year: 2023, vin: "7SAYGDEE5PA000002"),
                ])
            let requests = fake.requests(to: "/api/1/vehicles")
            #expect(requests.map(\.target) == ["/api/1/vehicles?page=1&per_page=100", "/api/1/vehicles?page=2&per_page=100"])
            #expect(requests.allSatisfy { $0.headers["Authorization"] == "Bearer access-1" })
        }
    }

    @Test func chargeState_AsksForChargeStateOnly_AndComputesPowerFromVoltsAmpsPhases() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .get, "/api/1/vehicles/\(Self.vin)/vehicle_data",
                json(
                    #"{"response":{"id":100021,"vin":"\#(Self.vin)","state":"online","charge_state":{"charging_state":"Charging","charger_actual_current":16,"charge_current_request_max":32,"charger_power":11,"battery_level":54,"charge_limit_soc":80,"charger_voltage":230,"charger_phases":2,"conn_charge_cable":"IEC","fast_charger_present":false,"charge_amps":16}}}"#
                ))
            let state = try await api(base, client).chargeState(of: Self.vin, accessToken: "access-1")
            #expect(
                state
                    == ChargeState(
                        pluggedIn: true, charging: true, amps: 16, maxAmps: 32, powerKW: 230 * 16 * 3 / 1000, soc: 54,
                        chargeLimit: 80, voltage: 230, phases: 3))
            #expect(fake.requests.last?.target == "/api/1/vehicles/\(Self.vin)/vehicle_data?endpoints=charge_state")
        }
    }

    @Test func chargeState_Disconnected_IsUnpluggedAndNotCharging() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .get, "/api/1/vehicles/\(Self.vin)/vehicle_data",
                json(
                    #"{"response":{"state":"online","charge_state":{"charging_state":"Disconnected","charger_actual_current":0,"charger_power":0,"battery_level":70,"charge_limit_soc":90,"charger_voltage":2,"charger_phases":null,"conn_charge_cable":"<invalid>"}}}"#
                ))
            let state = try await api(base, client).chargeState(of: Self.vin, accessToken: "a")
            #expect(state.pluggedIn == false)
            #expect(state.charging == false)
            #expect(state.powerKW == 0)
            #expect(state.phases == nil)
        }
    }

    @Test func chargeState_Stopped_IsPluggedInAndNotCharging() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .get, "/api/1/vehicles/\(Self.vin)/vehicle_data",
                json(
                    #"{"response":{"charge_state":{"charging_state":"Stopped","charger_actual_current":0,"charger_voltage":240,"charger_phases":1,"charger_power":0}}}"#
                ))
            let state = try await api(base, client).chargeState(of: Self.vin, accessToken: "a")
            #expect(state.pluggedIn == true)
            #expect(state.charging == false)
            #expect(state.powerKW == 0)
        }
    }

    // MARK: Commands

    @Test func commands_PostTheDocumentedBodies_WithJSONContentType() async throws {
        try await withFakeVendor { fake, base, client async throws in
            for name in ["charge_start", "charge_stop", "set_charging_amps", "set_charge_limit"] {
                fake.on(.post, "\(Self.commandPath)/\(name)", Self.result(true))
            }
            let tesla = api(base, client)
            #expect(try await tesla.send(.startCharging, to: Self.vin, accessToken: "a") == .done)
            #expect(try await tesla.send(.stopCharging, to: Self.vin, accessToken: "a") == .done)
            #expect(try await tesla.send(.setChargingAmps(16), to: Self.vin, accessToken: "a") == .done)
            #expect(try await tesla.send(.setChargeLimit(80), to: Self.vin, accessToken: "a") == .done)
            let sent = fake.requests
            #expect(sent.map(\.path) == ["charge_start", "charge_stop", "set_charging_amps", "set_charge_limit"].map { "\(Self.commandPath)/\($0)" })
            #expect(sent.map(\.bodyText) == ["{}", "{}", #"{"charging_amps":16}"#, #"{"percent":80}"#])
            #expect(sent.allSatisfy { $0.headers["Content-Type"] == "application/json" && $0.method == .post })
        }
    }

    @Test(arguments: [
        (VehicleCommand.stopCharging, "charge_stop", "not_charging"),
        (.startCharging, "charge_start", "is_charging"),
        (.startCharging, "charge_start", "requested"),
        (.startCharging, "charge_start", "complete"),
        (.setChargeLimit(80), "set_charge_limit", "already_set"),
    ])
    func alreadyReasons_AreSuccess(command: VehicleCommand, name: String, reason: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/\(name)", Self.result(false, reason))
            let outcome = try await api(base, client).send(command, to: Self.vin, accessToken: "a")
            #expect(outcome == .alreadyInState(reason: reason))
        }
    }

    @Test func proxyPrefixedReason_IsStripped() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .post, "\(Self.commandPath)/charge_start",
                json(
                    #"{"response":{"result":false,"reason":"car could not execute command: is_charging"},"error":"","error_description":""}"#
                ))
            let outcome = try await api(base, client).send(.startCharging, to: Self.vin, accessToken: "a")
            #expect(outcome == .alreadyInState(reason: "is_charging"))
        }
    }

    @Test func oldProxyStringKey_IsRead() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/charge_stop", Self.result(false, "not_charging", key: "string"))
            let outcome = try await api(base, client).send(.stopCharging, to: Self.vin, accessToken: "a")
            #expect(outcome == .alreadyInState(reason: "not_charging"))
        }
    }

    @Test(arguments: ["disconnected", "no_power", "car could not execute command: disconnected"])
    func startRefusals_ArePermanent(reason: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/charge_start", Self.result(false, reason))
            let error = await vendorError { try await api(base, client).send(.startCharging, to: Self.vin, accessToken: "a") }
            #expect(error?.kind == .permanent)
            #expect(error?.reason == reason.replacingOccurrences(of: TeslaClassifier.proxyPrefix, with: ""))
        }
    }

    @Test func notCharging_ToAStart_IsNotSuccess() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/charge_start", Self.result(false, "not_charging"))
            let error = await vendorError { try await api(base, client).send(.startCharging, to: Self.vin, accessToken: "a") }
            #expect(error?.kind == .permanent)
        }
    }

    @Test func commands_GoThroughTheSigningProxy_ReadsAndWakesDoNot() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "/proxy\(Self.commandPath)/charge_stop", Self.result(true))
            fake.on(.post, "/api/1/vehicles/\(Self.vin)/wake_up", json(#"{"response":\#(Self.vehicleJSON(Self.vin))}"#))
            let tesla = api(base, client, proxy: base + "/proxy")
            #expect(try await tesla.send(.stopCharging, to: Self.vin, accessToken: "a") == .done)
            #expect(try await tesla.send(.wake, to: Self.vin, accessToken: "a") == .alreadyInState(reason: "online"))
            #expect(fake.requests.map(\.path) == ["/proxy\(Self.commandPath)/charge_stop", "/api/1/vehicles/\(Self.vin)/wake_up"])
        }
    }

    @Test func wake_OfASleepingCar_IsRequested() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "/api/1/vehicles/\(Self.vin)/wake_up", json(#"{"response":\#(Self.vehicleJSON(Self.vin, state: "asleep"))}"#))
            #expect(try await api(base, client).send(.wake, to: Self.vin, accessToken: "a") == .done)
        }
    }

    @Test func waitUntilOnline_PollsTheVehicleUntilOnline() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .get, "/api/1/vehicles/\(Self.vin)", json(#"{"response":\#(Self.vehicleJSON(Self.vin, state: "asleep"))}"#),
                json(#"{"response":\#(Self.vehicleJSON(Self.vin, state: "offline"))}"#),
                json(#"{"response":\#(Self.vehicleJSON(Self.vin, state: "online"))}"#))
            let online = try await api(base, client).waitUntilOnline(
                Self.vin, accessToken: "a", timeout: .seconds(5), interval: .milliseconds(10))
            #expect(online)
            #expect(fake.requests.count == 3)
        }
    }

    @Test func invalidInput_IsRefusedWithoutACall() async throws {
        try await withFakeVendor { fake, base, client async throws in
            let tesla = api(base, client)
            for command in [VehicleCommand.setChargeLimit(49), .setChargeLimit(101), .setChargingAmps(0)] {
                #expect(await vendorError { try await tesla.send(command, to: Self.vin, accessToken: "a") }?.kind == .permanent)
            }
            #expect(await vendorError { try await tesla.chargeState(of: "../users/me", accessToken: "a") }?.kind == .permanent)
            #expect(fake.requests.isEmpty)
        }
    }

    // MARK: Error statuses

    static let statusCases: [(HTTPResponse, VendorError.Kind, String)] = [
        (error(401, "token expired (401)"), .unauthorized, "token expired (401)"),
        (error(401, "invalid bearer token"), .unauthorized, "invalid bearer token"),
        (HTTPResponse(status: .unauthorized), .unauthorized, "HTTP 401"),
        (error(401, "login_required"), .needsReconsent, "login_required"),
        (error(401, "mobile_access_disabled"), .permanent, "mobile_access_disabled"),
        (error(403, "Unauthorized missing scopes"), .needsReconsent, "Unauthorized missing scopes"),
        (
            error(403, "Tesla Vehicle Command Protocol required, please refer to the documentation here: https://developer.tesla.com/docs"),
            .permanent, "Tesla Vehicle Command Protocol required, please refer to the documentation here: https://developer.tesla.com/docs"
        ),
        (error(404, "not_found"), .permanent, "not_found"),
        (error(408, "vehicle unavailable: vehicle is offline or asleep"), .asleep, "vehicle unavailable: vehicle is offline or asleep"),
        (error(412, "Account client-1 must be registered in the current region"), .permanent, "Account client-1 must be registered in the current region"),
        (error(421, "user out of region, use base URL: https://fleet-api.prd.eu.vn.cloud.tesla.com"), .permanent, "user out of region, use base URL: https://fleet-api.prd.eu.vn.cloud.tesla.com"),
        (
            HTTPResponse(
                status: .tooManyRequests,
                headers: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "37829", "RateLimit-Limit": "30", "RateLimit-Remaining": "0", "RateLimit-Reset": "37829"],
                body: Array("Retry in 37829 seconds".utf8)),
            .rateLimited(retryAfter: 37829), "Retry in 37829 seconds"
        ),
        (HTTPResponse(status: .tooManyRequests, headers: ["Content-Type": "text/plain"], body: Array("Retry in 42 seconds".utf8)), .rateLimited(retryAfter: 42), "Retry in 42 seconds"),
        (error(500, "vehicle unavailable: vehicle is offline or asleep"), .asleep, "vehicle unavailable: vehicle is offline or asleep"),
        (error(500, "vehicle rejected request: your public key has not been paired with the vehicle"), .permanent, "vehicle rejected request: your public key has not been paired with the vehicle"),
        (error(500, "context deadline exceeded"), .retryable, "context deadline exceeded"),
        (error(503, "vehicle unavailable: vehicle is offline or asleep"), .asleep, "vehicle unavailable: vehicle is offline or asleep"),
        (error(503, "service unavailable"), .retryable, "service unavailable"),
        (error(504, "gateway timeout"), .retryable, "gateway timeout"),
        (error(540, "device unexpected response"), .retryable, "device unexpected response"),
        (error(402, "payment required"), .permanent, "payment required"),
        (HTTPResponse(status: .init(code: 502), headers: ["Content-Type": "text/html"], body: Array("<html>bad gateway</html>".utf8)), .retryable, "HTTP 502"),
    ]

    @Test(arguments: statusCases)
    func errorStatus_IsClassified(response: HTTPResponse, kind: VendorError.Kind, reason: String) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "/api/1/vehicles/\(Self.vin)/vehicle_data", response)
            fake.on(.post, "\(Self.commandPath)/charge_stop", response)
            let tesla = api(base, client)
            let read = await vendorError { try await tesla.chargeState(of: Self.vin, accessToken: "a") }
            let command = await vendorError { try await tesla.send(.stopCharging, to: Self.vin, accessToken: "a") }
            for error in [read, command] {
                #expect(error?.kind == kind)
                #expect(error?.reason == reason)
                #expect(error?.status == response.status.code)
            }
        }
    }

    @Test func tokenEchoedInAnError_IsRedacted() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "/api/1/vehicles", Self.error(401, "invalid bearer token secret-access-token-123"))
            let error = await vendorError { try await api(base, client).listVehicles(accessToken: "secret-access-token-123") }
            #expect(error?.kind == .unauthorized)
            #expect(error?.description.contains("secret-access-token-123") == false)
        }
    }

    @Test func transport_RefusedConnection_IsRetryable() async throws {
        let client = HTTPClient()
        // Port 1 on loopback: nothing listens, the connect is refused at once.
        let tesla = api("http://127.0.0.1:1", client)
        let error = await vendorError { try await tesla.chargeState(of: Self.vin, accessToken: "a") }
        #expect(error?.kind == .retryable)
        #expect(error?.reason == "transport: connectFailed")
        await client.shutdown()
    }

    @Test func transport_Timeout_IsRetryable() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/charge_stop", Self.result(true), delay: .seconds(2))
            let tesla = TeslaFleetAPI(
                apiBase: base, authURL: base + "/oauth2/v3/token", clientID: "c", client: client,
                timeouts: VendorTimeouts(data: .milliseconds(200), command: .milliseconds(200), token: .seconds(1)),
                logger: quietLogger)
            let error = await vendorError { try await tesla.send(.stopCharging, to: Self.vin, accessToken: "a") }
            #expect(error?.kind == .retryable)
            #expect(error?.reason == "transport: timeout")
        }
    }

    @Test func transport_DroppedConnection_IsRetryable() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "\(Self.commandPath)/charge_stop", .dropConnection)
            let error = await vendorError { try await api(base, client).send(.stopCharging, to: Self.vin, accessToken: "a") }
            #expect(error?.kind == .retryable)
            #expect(error?.reason == "transport: connectionClosed")
        }
    }

    @Test func okWithoutTheDocumentedBody_IsRetryable() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.get, "/api/1/vehicles/\(Self.vin)/vehicle_data", HTTPResponse.text("ok"))
            let error = await vendorError { try await api(base, client).chargeState(of: Self.vin, accessToken: "a") }
            #expect(error?.kind == .retryable)
        }
    }

    // MARK: Refresh

    @Test func refresh_PostsTheFormGrant_AndReturnsRotatedTokens() async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(
                .post, "/oauth2/v3/token",
                json(#"{"access_token":"access-2","refresh_token":"NA_refresh-2","id_token":"x","expires_in":28800,"token_type":"Bearer"}"#))
            let credentials = try await api(base, client).refresh(refreshToken: "NA_refresh-1")
            #expect(
                credentials
                    == VendorCredentials(accessToken: "access-2", refreshToken: "NA_refresh-2", expiresAt: fixedNow.addingTimeInterval(28800)))
            let request = try #require(fake.requests.first)
            #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
            #expect(request.bodyText == "grant_type=refresh_token&client_id=client-1&refresh_token=NA_refresh-1")
            #expect(request.headers["Authorization"] == nil)
        }
    }

    @Test(arguments: [
        (json(#"{"error":"login_required","error_description":"refresh token NA_refresh-1 expired"}"#, status: 401), VendorError.Kind.needsReconsent),
        (json(#"{"error":"invalid_grant","error_description":"Invalid refresh_token: NA_refresh-1."}"#, status: 400), .needsReconsent),
        (json(#"{"error":"invalid_client"}"#, status: 401), .permanent),
        (json(#"{"error":"server_error"}"#, status: 500), .retryable),
        (HTTPResponse(status: .tooManyRequests, headers: ["Retry-After": "3"]), .rateLimited(retryAfter: 3)),
    ])
    func refreshFailure_IsClassified_WithoutTheToken(response: HTTPResponse, kind: VendorError.Kind) async throws {
        try await withFakeVendor { fake, base, client async throws in
            fake.on(.post, "/oauth2/v3/token", response)
            let error = await vendorError { try await api(base, client).refresh(refreshToken: "NA_refresh-1") }
            #expect(error?.kind == kind)
            #expect(error?.description.contains("NA_refresh-1") == false)
        }
    }
}
