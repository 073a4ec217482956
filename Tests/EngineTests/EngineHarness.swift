import API
import Fleet
import Foundation
import HTTP
import Logging
import Observability
import Postgres
import Reconciler
import Secrets
import Simulator
import Testing
import Vendors

/// The whole system in one process, over real sockets: the simulator (Tesla Fleet + Smartcar facades) on a
/// loopback port, Curtail's router on another, a freshly migrated PostgreSQL schema, and the engine's parts
/// (scheduler, reconciler, sampler) driven step by step by the test.
struct EngineHarness {
    let app: CurtailApplication
    let apiBase: String
    let simBase: String
    let client: HTTPClient
    let simulator: Simulator
    let scheduler: Scheduler
    let reconciler: ReconcilerWorker
    let sampler: TelemetrySampler
    /// What a second Curtail process on the same schema would build its own worker from.
    let vendors: [VendorName: any VehicleAPI]
    let access: any VendorAccess

    static let quiet = Logger(label: "test.engine") { _ in SwiftLogNoOpLogHandler() }

    static func with<T>(
        vehicles: Int = 60, seed: UInt64 = 11, restoreSpread: Duration = .seconds(0), faults: FaultConfig = EngineHarness.calmFaults,
        simulatorLimits: RateLimits = .documented, pacing: PacingLimits = PacingLimits(), vendorTimeouts: VendorTimeouts? = nil,
        _ body: (EngineHarness) async throws -> T
    ) async throws -> T {
        let databaseURL = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"], "DATABASE_URL must point at a test PostgreSQL")
        let simulator = Simulator(configuration: SimulatorConfiguration(vehicles: vehicles, seed: seed, limits: simulatorLimits, faults: faults))
        var simRouter = Router()
        simulator.register(on: &simRouter)
        let simServer = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: simRouter.buildResponder(), logger: quiet)
        let simBase = "http://127.0.0.1:\(try simServer.start().port)"

        let schema = "e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let separator = databaseURL.contains("?") ? "&" : "?"
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL + separator + "options=-csearch_path%3D\(schema)"
        environment["CURTAIL_SECRET_KEY"] = String(repeating: "3c", count: 32)
        environment["CURTAIL_MIGRATIONS"] = migrationsDirectory
        let configuration = try CurtailConfiguration.fromEnvironment(environment)
        let pool = PostgresPool(configuration: .init(connection: .init(connectionString: configuration.databaseURL), maxConnections: 12), logger: quiet)
        try await Migrator(directory: migrationsDirectory, pool: pool, schema: schema, logger: quiet).migrate()

        let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 256))
        let vendors = VendorRegistry.make(
            configuration: VendorConfiguration(
                teslaAPIBase: simBase, teslaAuthURL: simBase + "/oauth2/v3/token", teslaClientID: "curtail-test", smartcarAPIBase: simBase,
                smartcarAuthURL: simBase + "/oauth/token", smartcarClientID: "curtail-test", smartcarClientSecret: "secret", client: client,
                teslaTimeouts: vendorTimeouts ?? .tesla, smartcarTimeouts: vendorTimeouts ?? .smartcar, logger: quiet))
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: quiet, vendors: vendors)
        let apiServer = HTTPServer(
            configuration: HTTPServerConfiguration(port: 0, limits: app.httpLimits), responder: app.makeRouter().buildResponder(), logger: quiet)
        let apiBase = "http://127.0.0.1:\(try apiServer.start().port)"

        let accounts = VendorAccountStore(pool: pool, box: try SecretBox(hexKey: configuration.secretKeyHex!), logger: quiet)
        let access = FleetVendorAccess(accounts: accounts, vendors: vendors) { accountID in
            let rows = try await pool.query("SELECT vendor FROM vendor_accounts WHERE id::text = \(accountID)")
            return try rows.first.map { VendorName(rawValue: try $0.decode(String.self, column: "vendor")) }
        }
        let pacer = Pacer(limits: pacing)
        let harness = EngineHarness(
            app: app, apiBase: apiBase, simBase: simBase, client: client, simulator: simulator,
            scheduler: Scheduler(pool: pool, configuration: .init(restoreSpread: restoreSpread), logger: quiet),
            reconciler: ReconcilerWorker(
                pool: pool, vendors: vendors, access: access, pacer: pacer, metrics: app.metrics,
                configuration: .init(processName: "test-\(schema)"), logger: quiet),
            sampler: TelemetrySampler(pool: pool, vendors: vendors, access: access, pacer: pacer, metrics: app.metrics, logger: quiet),
            vendors: vendors, access: access)
        func cleanUp() async {
            await apiServer.shutdown(gracePeriod: .seconds(2))
            await simServer.shutdown(gracePeriod: .seconds(2))
            await client.shutdown()
            _ = try? await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await pool.close()
        }
        do {
            let result = try await body(harness)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    /// No latency, no idle sleep: faults are added per test.
    static var calmFaults: FaultConfig {
        var faults = FaultConfig()
        faults.fallAsleepAfter = nil
        faults.wakeDelay = 1
        return faults
    }

    static var migrationsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations").path
    }

    // MARK: HTTP helpers

    @discardableResult
    func call(_ method: HTTPMethod, _ url: String, token: String? = nil, json: Any? = nil, expect: Int? = nil) async throws -> Any? {
        var headers: HTTPHeaders = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        var body: [UInt8] = []
        if let json {
            headers["Content-Type"] = "application/json"
            body = Array(try JSONSerialization.data(withJSONObject: json))
        }
        let response = try await client.execute(HTTPClientRequest(method: method, url: url, headers: headers, body: body), timeout: .seconds(30))
        if let expect { try #require(response.status.code == expect, "\(method) \(url) → \(response.status.code): \(response.bodyText)") }
        return response.body.isEmpty ? nil : try JSONSerialization.jsonObject(with: Data(response.body))
    }

    func token(_ scopes: [Scope]) async throws -> String {
        let credentials = try await app.clients.create(name: "engine test", scopes: scopes)
        let response = try await client.execute(
            HTTPClientRequest(
                method: .post, url: apiBase + "/openadr3/3.0.1/auth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array("grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)".utf8)))
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return try #require(json?["access_token"] as? String)
    }

    /// Enrols every simulated account into `group` through the operator API, as a driver's consent would.
    ///
    /// A sync knows no Smartcar car's supply (Smartcar reports none), so with `smartcarSupplyFromDrivers` the operator
    /// then sets each one's voltage, phases and max amps, as a driver's enrolment form would give them. Teslas are
    /// left to the engine, which learns their supply from `vehicle_data`. Without it, Smartcar cars keep the
    /// unconfirmed defaults and the planner budgets them at its conservative bound.
    func enrollAll(group: String, operatorToken: String, smartcarSupplyFromDrivers: Bool = true) async throws {
        let accounts = try #require(try await call(.get, simBase + "/_sim/accounts", expect: 200) as? [[String: Any]])
        for account in accounts {
            let created = try #require(
                try await call(
                    .post, apiBase + "/v1/vendor-accounts", token: operatorToken,
                    json: [
                        "vendor": account["vendor"]!, "access_token": account["access_token"]!, "refresh_token": account["refresh_token"]!,
                        "expires_at": account["expires_at"]!, "groups": [group], "external_id": account["id"]!,
                    ], expect: 201) as? [String: Any])
            try await call(.post, apiBase + "/v1/vendor-accounts/\(created["id"]!)/sync", token: operatorToken, json: [:], expect: 200)
        }
        guard smartcarSupplyFromDrivers else { return }
        let simulated = try #require(try await call(.get, simBase + "/_sim/vehicles", expect: 200) as? [[String: Any]])
        let supply = Dictionary(uniqueKeysWithValues: simulated.map { ($0["id"] as? String ?? "", $0) })
        for row in try await app.pool.query("SELECT id::text AS id, vendor_vehicle_id FROM vehicles WHERE vendor = 'smartcar'") {
            let car = try #require(supply[try row.decode(String.self, column: "vendor_vehicle_id")])
            try await call(
                .patch, apiBase + "/v1/vehicles/\(try row.decode(String.self, column: "id"))", token: operatorToken,
                json: ["voltage": car["volts"]!, "phases": car["phases"]!, "max_amps": car["max_amps"]!], expect: 200)
        }
    }

    /// Posts a program and an event whose single interval starts now.
    func postEvent(
        utilityToken: String, group: String, payload: [String: Any], duration: String = "PT30M", programName: String = "ev-shed"
    ) async throws -> String {
        let program = try #require(
            try await call(.post, apiBase + "/openadr3/3.0.1/programs", token: utilityToken, json: ["programName": programName], expect: 201)
                as? [String: Any])
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-1))
        let event = try #require(
            try await call(
                .post, apiBase + "/openadr3/3.0.1/events", token: utilityToken,
                json: [
                    "programID": program["id"]!, "eventName": "test event", "priority": 1,
                    "targets": [["type": "GROUP", "values": [group]]],
                    "intervalPeriod": ["start": start, "duration": duration],
                    "intervals": [["id": 0, "payloads": [payload]]],
                ], expect: 201) as? [String: Any])
        return try #require(event["id"] as? String)
    }

    struct SimVehicle: Decodable, Equatable {
        let id: String
        let vendor: String
        let make: String
        let plugged_in: Bool
        let charging: Bool
        let power_kw: Double
        let amps: Int
        let charge_limit: Double
        let soc: Double
        let asleep: Bool
    }

    func simVehicles() async throws -> [SimVehicle] {
        let response = try await client.execute(HTTPClientRequest(url: simBase + "/_sim/vehicles"))
        return try JSONDecoder().decode([SimVehicle].self, from: Data(response.body))
    }

    /// Another process's reconciler on the same schema: its own name (in leases and command records), pacer and
    /// database pool (vendor adapters and the token store are shared: their state that matters lives in Postgres).
    func makeReconciler(processName: String, batchSize: Int, pacing: PacingLimits = PacingLimits()) -> (ReconcilerWorker, PostgresPool) {
        let pool = PostgresPool(configuration: .init(connection: .init(connectionString: app.configuration.databaseURL), maxConnections: 6), logger: Self.quiet)
        let worker = ReconcilerWorker(
            pool: pool, vendors: vendors, access: access, pacer: Pacer(limits: pacing), metrics: app.metrics,
            configuration: .init(processName: processName, batchSize: batchSize), logger: Self.quiet)
        return (worker, pool)
    }

    /// Expects every vehicle to be exactly as in `before`: charging or not, amps (when charging) and charge limit.
    /// A vehicle that differs gets its command log attached, to show what the engine did to it.
    func expectRestored(to before: [SimVehicle], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let after = Dictionary(uniqueKeysWithValues: try await simVehicles().map { ($0.id, $0) })
        for vehicle in before {
            let now = try #require(after[vehicle.id], sourceLocation: sourceLocation)
            let same = now.charging == vehicle.charging && (!vehicle.charging || now.amps == vehicle.amps) && now.charge_limit == vehicle.charge_limit
            if !same {
                let log = try await app.pool.query(
                    """
                    SELECT string_agg(c.command || '=' || c.outcome || coalesce('(' || c.reason || ')', ''), ', ' ORDER BY c.id) AS log
                    FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.vendor_vehicle_id = \(vehicle.id)
                    """)
                Issue.record(
                    """
                    \(vehicle.id) \(vehicle.vendor) \(vehicle.make): charging \(vehicle.charging) → \(now.charging), amps \(vehicle.amps) → \(now.amps), \
                    limit \(vehicle.charge_limit) → \(now.charge_limit); \(try log.first?.decode(String?.self, column: "log") ?? "no commands")
                    """, sourceLocation: sourceLocation)
            }
        }
    }

    /// Brings the fleet's telemetry in, then plans and reconciles until nothing is due.
    func settle() async throws {
        try await scheduler.planOnce(now: Date())
        _ = try await sampler.sampleOnce()
        try await scheduler.planOnce(now: Date())
        try await reconcileUntilIdle()
    }

    /// Runs the reconciler until no vehicle is due, up to `rounds` rounds.
    func reconcileUntilIdle(rounds: Int = 20) async throws {
        for _ in 0..<rounds {
            if try await reconciler.reconcileOnce() == 0 { return }
        }
    }
}
