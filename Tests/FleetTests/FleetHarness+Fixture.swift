import API
import Fleet
import Foundation
import HTTP
import Logging
import Postgres
import Synchronization
import Testing
import Vendors

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every log line any fleet test's app, pool or server wrote, at trace level: the security suite checks that none
/// holds a secret. Secrets used anywhere are registered in ``secrets``.
enum TestLog {
    static let lines = Mutex<[String]>([])
    static let secrets = Mutex<Set<String>>([])

    /// The logged unhandled errors, for failure messages.
    static var errors: [String] { lines.withLock { $0.filter { $0.contains("unhandled error") } } }

    static func remember(_ secret: String) { _ = secrets.withLock { $0.insert(secret) } }

    static func logger(_ label: String) -> Logger {
        Logger(label: label) { label in RecordingHandler(label: label) }
    }

    struct RecordingHandler: LogHandler {
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = "\(event.level) \(label): \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            TestLog.lines.withLock { $0.append(line) }
        }
    }
}

/// A test's own Curtail: a fresh schema in the throwaway PostgreSQL, migrated; the real router on a loopback port;
/// an operator client with `fleet_read fleet_write`.
struct FleetHarness: Sendable {
    static let secretKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    let baseURL: String
    let pool: PostgresPool
    let app: CurtailApplication
    let schema: String
    /// A bearer token with fleet_read and fleet_write.
    let operatorToken: String

    static var migrationsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations").path
    }

    static func with(
        secretKey: String? = FleetHarness.secretKey, vendors: [VendorName: any VehicleAPI] = [:],
        _ body: (FleetHarness) async throws -> Void
    ) async throws {
        let url = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"], "DATABASE_URL is not set: run pg_up first")
        let schema = "fleet_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let admin = PostgresPool(configuration: .init(connection: .init(connectionString: url), maxConnections: 1), logger: TestLog.logger("test.admin"))
        try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        let separator = url.contains("?") ? "&" : "?"
        let scoped = url + separator + "options=-csearch_path%3D" + schema
        var environment = ["DATABASE_URL": scoped, "CURTAIL_MIGRATIONS": migrationsDirectory, "CURTAIL_DB_POOL_SIZE": "6"]
        environment["CURTAIL_SECRET_KEY"] = secretKey
        let configuration = try CurtailConfiguration.fromEnvironment(environment)
        let logger = TestLog.logger("test.curtail")
        let pool = PostgresPool(configuration: .init(connection: .init(connectionString: scoped), maxConnections: 6), logger: logger)
        try await Migrator(directory: migrationsDirectory, pool: pool, schema: schema, logger: logger).migrate()
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger, vendors: vendors)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, limits: app.httpLimits),
            responder: app.makeRouter().buildResponder(), logger: TestLog.logger("test.http"))
        let address = try server.start()
        func cleanUp() async {
            await server.shutdown(gracePeriod: .seconds(5))
            await pool.close()
            _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await admin.close()
        }
        do {
            let token = try await Self.token(app: app, scopes: [.fleetRead, .fleetWrite])
            let harness = FleetHarness(
                baseURL: "http://127.0.0.1:\(address.port)", pool: pool, app: app, schema: schema, operatorToken: token)
            try await body(harness)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Creates a client with `scopes` and issues it a token (expired when `lifetime` is negative).
    static func token(app: CurtailApplication, scopes: [Scope], lifetime: Duration = .seconds(3600)) async throws -> String {
        let credentials = try await app.clients.create(name: "test operator", scopes: scopes)
        TestLog.remember(credentials.clientSecret)
        let principal = try #require(try await app.clients.verify(clientID: credentials.clientID, secret: credentials.clientSecret))
        let token = try await app.clients.issueToken(for: principal, lifetime: lifetime)
        TestLog.remember(token)
        return token
    }

    func token(scopes: [Scope], lifetime: Duration = .seconds(3600)) async throws -> String {
        try await Self.token(app: app, scopes: scopes, lifetime: lifetime)
    }

    // MARK: - HTTP

    struct Response: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { (json as? [[String: Any]]) ?? [] }
        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        /// The problem's field pointers (`errors[].pointer`).
        var pointers: [String] { ((object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["pointer"] as? String } }
    }

    /// Sends a request. `token` defaults to the operator's; pass `""` for none.
    func request(
        _ method: String, _ path: String, json: Any? = nil, body: String? = nil, contentType: String? = nil, token: String? = nil
    ) async throws -> Response {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.timeoutInterval = 120
        let bearer = token ?? operatorToken
        if !bearer.isEmpty { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue(contentType ?? "application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType ?? "application/json", forHTTPHeaderField: "Content-Type")
        } else if let contentType {
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
        return Response(status: http.statusCode, headers: headers, body: data)
    }

    func get(_ path: String, token: String? = nil) async throws -> Response { try await request("GET", path, token: token) }

    // MARK: - Database

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM \(identifier: table) WHERE \(unescaped: condition)").first!.decode(Int.self, column: "n")
    }

    /// Every row of `table` as text (`t::text`), to search for plaintext secrets. bytea renders as hex.
    func dump(_ table: String) async throws -> String {
        try await pool.query("SELECT t::text AS row FROM \(identifier: table) t").map { try $0.decode(String.self, column: "row") }
            .joined(separator: "\n")
    }

    // MARK: - Fixtures

    static func futureDate(_ seconds: TimeInterval) -> String {
        ISO8601DateFormatter().string(from: Date().addingTimeInterval(seconds))
    }

    /// Creates a vendor account over HTTP and returns its id.
    func createAccount(
        vendor: String = "tesla", access: String = "access-" + UUID().uuidString, refresh: String = "refresh-" + UUID().uuidString,
        expiresIn: TimeInterval = 3600, groups: [String] = ["west"], externalID: String? = nil
    ) async throws -> String {
        TestLog.remember(access)
        TestLog.remember(refresh)
        var json: [String: Any] = [
            "vendor": vendor, "access_token": access, "refresh_token": refresh, "expires_at": Self.futureDate(expiresIn), "groups": groups,
        ]
        if let externalID { json["external_id"] = externalID }
        let response = try await request("POST", "/v1/vendor-accounts", json: json)
        try #require(response.status == 201, "\(response.text) \(TestLog.errors)")
        return try #require(response.object["id"] as? String)
    }

    /// Enrols a vehicle over HTTP and returns its id.
    func createVehicle(_ fields: [String: Any]) async throws -> String {
        var json: [String: Any] = ["vendor": "tesla", "vendor_vehicle_id": "VIN" + UUID().uuidString.prefix(8)]
        json.merge(fields) { $1 }
        let response = try await request("POST", "/v1/vehicles", json: json)
        try #require(response.status == 201, "\(response.text) \(TestLog.errors)")
        return try #require(response.object["id"] as? String)
    }
}

/// A vendor for sync and refresh tests. Not the simulator (which had not landed on main when this was written):
/// it implements `VehicleAPI` directly, records calls, and answers as configured.
final class FakeVehicleAPI: VehicleAPI, Sendable {
    struct State {
        var vehicles: [String: [VendorVehicle]] = [:]
        var refreshes: [String: Result<VendorCredentials, VendorError>] = [:]
        var refreshCalls: [String] = []
        var listCalls: [String] = []
        var refreshDelay: Duration = .zero
        /// Access tokens the vendor refuses as expired or invalid (`.unauthorized`: refresh and retry).
        var unauthorized: Set<String> = []
    }
    let vendor: VendorName
    let state = Mutex(State())

    init(vendor: VendorName = .tesla) { self.vendor = vendor }

    func refresh(refreshToken: String) async throws(VendorError) -> VendorCredentials {
        let (delay, result) = state.withLock { state in
            state.refreshCalls.append(refreshToken)
            return (state.refreshDelay, state.refreshes[refreshToken])
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        guard let result else { throw VendorError(.needsReconsent, reason: "invalid_grant", status: 401) }
        return try result.get()
    }

    func listVehicles(accessToken: String) async throws(VendorError) -> [VendorVehicle] {
        let (vehicles, refused) = state.withLock { state in
            state.listCalls.append(accessToken)
            return (state.vehicles[accessToken], state.unauthorized.contains(accessToken))
        }
        if refused { throw VendorError(.unauthorized, reason: "invalid bearer token", status: 401) }
        guard let vehicles else { throw VendorError(.needsReconsent, reason: "token_revoked", status: 401) }
        return vehicles
    }

    func chargeState(of vehicleID: String, accessToken: String) async throws(VendorError) -> ChargeState { ChargeState() }

    func send(_ command: VehicleCommand, to vehicleID: String, accessToken: String) async throws(VendorError) -> CommandOutcome { .done }
}
