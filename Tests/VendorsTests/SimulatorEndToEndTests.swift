import Foundation
import HTTP
import Logging
import Simulator
import Testing

@testable import Vendors

/// The adapters against the real simulator (`Sources/Simulator`), in process on port 0, with a manual clock.
@Suite struct SimulatorEndToEndTests {
    struct Harness {
        let base: String
        let client: HTTPClient
        let clock: ManualClock

        var tesla: TeslaFleetAPI {
            TeslaFleetAPI(
                apiBase: base, authURL: base + "/oauth2/v3/token", clientID: "curtail-test", client: client,
                timeouts: .test, logger: quietLogger, now: { Date(timeIntervalSince1970: clock.now()) })
        }

        var smartcar: SmartcarAPI {
            SmartcarAPI(
                apiBase: base, authURL: base + "/oauth/token", clientID: "curtail-test", clientSecret: "secret",
                client: client, timeouts: .test, logger: quietLogger, now: { Date(timeIntervalSince1970: clock.now()) })
        }

        struct Account: Decodable {
            let id: String
            let vendor: String
            let access_token: String
            let refresh_token: String
            let vehicle_ids: [String]
        }

        struct SimVehicle: Decodable {
            let id: String
            let make: String
            let os_version: Int?
        }

        func control(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> HTTPResponse {
            let response = try await client.execute(
                HTTPClientRequest(
                    method: method, url: base + path, headers: body == nil ? [:] : ["Content-Type": "application/json"],
                    body: Array((body ?? "").utf8)))
            try #require(response.status.code == 200, "\(method) \(path): \(response.status) \(response.bodyText)")
            return response
        }

        func accounts(_ vendor: String) async throws -> [Account] {
            let response = try await control(.get, "/_sim/accounts?vendor=\(vendor)")
            return try JSONDecoder().decode([Account].self, from: Data(response.body)).filter { !$0.vehicle_ids.isEmpty }
        }

        func account(_ vendor: String) async throws -> Account { try #require(try await accounts(vendor).first) }

        func patchVehicle(_ id: String, _ json: String) async throws { _ = try await control(.patch, "/_sim/vehicles/\(id)", json) }
        func patchAccount(_ id: String, _ json: String) async throws { _ = try await control(.patch, "/_sim/accounts/\(id)", json) }

        /// A plugged-in car charging at 32 A maximum from 40 %, awake.
        func charging(_ id: String) async throws {
            try await patchVehicle(
                id, #"{"plugged_in":true,"charging":true,"soc":60,"asleep":false,"unreachable":false,"max_amps":32,"schedule_enabled":false,"evse_no_power":false}"#)
        }
    }

    func withSimulator<R>(_ body: (Harness) async throws -> R) async throws -> R {
        let clock = ManualClock()
        var faults = FaultConfig()
        faults.wakeDelay = 10
        faults.fallAsleepAfter = nil
        let simulator = Simulator(configuration: SimulatorConfiguration(vehicles: 40, seed: 7, faults: faults, clock: clock))
        var router = Router()
        simulator.register(on: &router)
        let logger = Logger(label: "test.vendors.simulator") { _ in SwiftLogNoOpLogHandler() }
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: router.buildResponder(), logger: logger)
        let address = try server.start()
        let client = HTTPClient()
        let harness = Harness(base: "http://127.0.0.1:\(address.port)", client: client, clock: clock)
        do {
            let result = try await body(harness)
            await client.shutdown()
            await server.shutdown(gracePeriod: .seconds(2))
            return result
        } catch {
            await client.shutdown()
            await server.shutdown(gracePeriod: .seconds(2))
            throw error
        }
    }

    // MARK: Tesla

    @Test func tesla_ListReadStop_ThenStopAgainIsAlreadyInState() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let tesla = sim.tesla
            let vehicles = try await tesla.listVehicles(accessToken: account.access_token)
            #expect(Set(vehicles.map(\.id)) == Set(account.vehicle_ids))
            #expect(vehicles.allSatisfy { $0.make == "Tesla" && $0.vin == $0.id })
            let vin = account.vehicle_ids[0]
            try await sim.charging(vin)

            let before = try await tesla.chargeState(of: vin, accessToken: account.access_token)
            #expect(before.pluggedIn == true && before.charging == true)
            #expect((before.powerKW ?? 0) > 0)

            #expect(try await tesla.send(.stopCharging, to: vin, accessToken: account.access_token) == .done)
            let stopped = try await tesla.chargeState(of: vin, accessToken: account.access_token)
            #expect(stopped.pluggedIn == true && stopped.charging == false)
            #expect(stopped.powerKW == 0)
            let again = try await tesla.send(.stopCharging, to: vin, accessToken: account.access_token)
            #expect(again == .alreadyInState(reason: "not_charging"))

            #expect(try await tesla.send(.startCharging, to: vin, accessToken: account.access_token) == .done)
            let restart = try await tesla.send(.startCharging, to: vin, accessToken: account.access_token)
            #expect(restart == .alreadyInState(reason: "is_charging"))
            #expect(try await tesla.send(.setChargeLimit(90), to: vin, accessToken: account.access_token) == .done)
            let sameLimit = try await tesla.send(.setChargeLimit(90), to: vin, accessToken: account.access_token)
            #expect(sameLimit == .alreadyInState(reason: "already_set"))
        }
    }

    @Test func tesla_ProxyWordedRefusals_AreStillAlreadyInState() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let vin = account.vehicle_ids[0]
            try await sim.charging(vin)
            _ = try await sim.control(.post, "/_sim/faults", #"{"tesla_proxy_reasons":true,"wake_delay_seconds":10,"fall_asleep_after_seconds":0}"#)
            #expect(try await sim.tesla.send(.stopCharging, to: vin, accessToken: account.access_token) == .done)
            let again = try await sim.tesla.send(.stopCharging, to: vin, accessToken: account.access_token)
            #expect(again == .alreadyInState(reason: "not_charging"))
        }
    }

    @Test func tesla_SetChargingAmps_ChangesPower() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let tesla = sim.tesla
            let vin = account.vehicle_ids[0]
            try await sim.charging(vin)
            #expect(try await tesla.send(.setChargingAmps(16), to: vin, accessToken: account.access_token) == .done)
            let high = try await tesla.chargeState(of: vin, accessToken: account.access_token)
            #expect(try await tesla.send(.setChargingAmps(8), to: vin, accessToken: account.access_token) == .done)
            let low = try await tesla.chargeState(of: vin, accessToken: account.access_token)
            #expect(high.amps == 16)
            #expect(low.amps == 8)
            let highKW = try #require(high.powerKW)
            let lowKW = try #require(low.powerKW)
            #expect(abs(lowKW * 2 - highKW) < 0.01, "power follows amps: \(lowKW) kW at 8 A, \(highKW) kW at 16 A")
        }
    }

    @Test func tesla_AsleepCar_IsAsleep_UntilWoken() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let tesla = sim.tesla
            let vin = account.vehicle_ids[0]
            try await sim.charging(vin)
            try await sim.patchVehicle(vin, #"{"asleep":true}"#)

            let asleep = await vendorError { try await tesla.chargeState(of: vin, accessToken: account.access_token) }
            #expect(asleep?.kind == .asleep)
            #expect(asleep?.status == 408)
            let command = await vendorError { try await tesla.send(.stopCharging, to: vin, accessToken: account.access_token) }
            #expect(command?.kind == .asleep)

            // wake_up answers at once with the current state; the car is online after the wake delay (10 s here).
            #expect(try await tesla.send(.wake, to: vin, accessToken: account.access_token) == .done)
            #expect(try await tesla.waitUntilOnline(vin, accessToken: account.access_token, timeout: .zero) == false)
            sim.clock.advance(by: 11)
            #expect(try await tesla.waitUntilOnline(vin, accessToken: account.access_token, timeout: .seconds(1)))
            #expect(try await tesla.send(.wake, to: vin, accessToken: account.access_token) == .alreadyInState(reason: "online"))
            let state = try await tesla.chargeState(of: vin, accessToken: account.access_token)
            #expect(state.pluggedIn == true)
        }
    }

    @Test func tesla_ExpiredToken_IsUnauthorized_AndRefreshRotatesTokens() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let tesla = sim.tesla
            let vin = account.vehicle_ids[0]
            try await sim.patchAccount(account.id, #"{"access_token_expires_in":1}"#)
            sim.clock.advance(by: 2)
            let expired = await vendorError { try await tesla.chargeState(of: vin, accessToken: account.access_token) }
            #expect(expired?.kind == .unauthorized)
            #expect(expired?.description.contains(account.access_token) == false)

            let fresh = try await tesla.refresh(refreshToken: account.refresh_token)
            #expect(fresh.accessToken != account.access_token)
            #expect(fresh.refreshToken != account.refresh_token)
            #expect(fresh.expiresAt > Date(timeIntervalSince1970: sim.clock.now()))
            _ = try await tesla.chargeState(of: vin, accessToken: fresh.accessToken)
            let next = try await tesla.refresh(refreshToken: fresh.refreshToken)
            #expect(next.refreshToken != fresh.refreshToken)

            let dead = await vendorError { try await tesla.refresh(refreshToken: "NA_not-a-token") }
            #expect(dead?.kind == .needsReconsent)
        }
    }

    @Test func tesla_FourthWakeInAMinute_IsRateLimited() async throws {
        try await withSimulator { sim in
            let account = try await sim.account("tesla")
            let tesla = sim.tesla
            let vin = account.vehicle_ids[0]
            // Documented: 3 wakes a minute per vehicle (tesla-fleet.md §7).
            for _ in 0..<3 { _ = try await tesla.send(.wake, to: vin, accessToken: account.access_token) }
            let limited = await vendorError { try await tesla.send(.wake, to: vin, accessToken: account.access_token) }
            guard case .rateLimited(let retryAfter)? = limited?.kind else {
                Issue.record("expected rateLimited, got \(String(describing: limited))")
                return
            }
            #expect((retryAfter ?? 0) > 0 && (retryAfter ?? 0) <= 60)
            #expect(limited?.status == 429)
        }
    }

    // MARK: Smartcar

    /// A Smartcar vehicle that accepts START and STOP (not a US Nissan, not a BMW/MINI below OS 8).
    func controllableSmartcar(_ sim: Harness) async throws -> (Harness.Account, String) {
        let response = try await sim.control(.get, "/_sim/vehicles?vendor=smartcar")
        let vehicles = try JSONDecoder().decode([Harness.SimVehicle].self, from: Data(response.body))
        let usable = Set(
            vehicles.filter { $0.make != "NISSAN" && ($0.os_version ?? 8) >= 8 }.map(\.id))
        for account in try await sim.accounts("smartcar") {
            if let id = account.vehicle_ids.first(where: usable.contains) { return (account, id) }
        }
        throw CancellationError()
    }

    @Test func smartcar_ListReadStop_ThenStopAgainIsAlreadyInState() async throws {
        try await withSimulator { sim in
            let (account, id) = try await controllableSmartcar(sim)
            let smartcar = sim.smartcar
            let vehicles = try await smartcar.listVehicles(accessToken: account.access_token)
            #expect(Set(vehicles.map(\.id)) == Set(account.vehicle_ids))
            #expect(vehicles.allSatisfy { !$0.make.isEmpty && $0.model != nil && $0.year != nil })
            try await sim.charging(id)

            let before = try await smartcar.chargeState(of: id, accessToken: account.access_token)
            #expect(before.pluggedIn == true && before.charging == true)
            #expect(before.soc.map { abs($0 - 60) < 1 } == true)
            #expect(before.chargeLimit != nil)

            #expect(try await smartcar.send(.stopCharging, to: id, accessToken: account.access_token) == .done)
            let after = try await smartcar.chargeState(of: id, accessToken: account.access_token)
            #expect(after.charging == false)
            let again = try await smartcar.send(.stopCharging, to: id, accessToken: account.access_token)
            #expect(again == .alreadyInState(reason: "VEHICLE_STATE:NOT_CHARGING"))
        }
    }

    @Test func smartcar_Unplugged_IsPermanent() async throws {
        try await withSimulator { sim in
            let (account, id) = try await controllableSmartcar(sim)
            try await sim.patchVehicle(id, #"{"plugged_in":false,"asleep":false,"unreachable":false}"#)
            let error = await vendorError { try await sim.smartcar.send(.startCharging, to: id, accessToken: account.access_token) }
            #expect(error?.kind == .permanent)
            #expect(error?.reason.hasPrefix("VEHICLE_STATE:CHARGING_PLUG_NOT_CONNECTED (SC-Request-Id ") == true)
        }
    }

    @Test func smartcar_ExpiredToken_IsUnauthorized_AndRefreshRotatesTokens() async throws {
        try await withSimulator { sim in
            let (account, id) = try await controllableSmartcar(sim)
            let smartcar = sim.smartcar
            try await sim.patchAccount(account.id, #"{"access_token_expires_in":1}"#)
            sim.clock.advance(by: 2)
            let expired = await vendorError { try await smartcar.chargeState(of: id, accessToken: account.access_token) }
            #expect(expired?.kind == .unauthorized)
            let fresh = try await smartcar.refresh(refreshToken: account.refresh_token)
            #expect(fresh.accessToken != account.access_token && fresh.refreshToken != account.refresh_token)
            _ = try await smartcar.chargeState(of: id, accessToken: fresh.accessToken)
            let dead = await vendorError { try await smartcar.refresh(refreshToken: "not-a-token") }
            #expect(dead?.kind == .needsReconsent)
            #expect(dead?.reason == "oauth: invalid_grant")
        }
    }

    @Test func smartcar_PerVehicleLimit_IsRateLimitedWithRetryAfter() async throws {
        try await withSimulator { sim in
            let (account, id) = try await controllableSmartcar(sim)
            let smartcar = sim.smartcar
            var limited: VendorError?
            // Three requests a read; the simulator's per-vehicle default is 20 an hour.
            for _ in 0..<10 {
                do throws(VendorError) {
                    _ = try await smartcar.chargeState(of: id, accessToken: account.access_token)
                } catch {
                    limited = error
                    break
                }
            }
            guard case .rateLimited(let retryAfter)? = limited?.kind else {
                Issue.record("expected rateLimited, got \(String(describing: limited))")
                return
            }
            #expect((retryAfter ?? 0) > 0)
            #expect(limited?.reason.hasPrefix("RATE_LIMIT:VEHICLE") == true)
        }
    }
}
