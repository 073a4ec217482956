import API
import Foundation
import HTTP
import Logging
import Postgres
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A Curtail app on a loopback port over its own migrated schema, plus SQL helpers that build an event's
/// measurement inputs (interval plans, commands, telemetry) directly, as the engine would have written them.
struct ReportHarness {
    let app: CurtailApplication
    let pool: PostgresPool
    let port: Int
    let schema: String

    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations").path

    static func run(_ body: (ReportHarness) async throws -> Void) async throws {
        let base = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"], "DATABASE_URL is not set: `source scripts/lib/pg.sh && pg_up`")
        let schema = "rep_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let pool = PostgresPool(configuration: .init(connection: .init(connectionString: url, connectTimeout: .seconds(5)), maxConnections: 6))
        try await Migrator(directory: migrationsDirectory, pool: pool, schema: schema).migrate()
        let configuration = try CurtailConfiguration.fromEnvironment(["DATABASE_URL": url, "CURTAIL_MIGRATIONS": migrationsDirectory])
        var logger = Logger(label: "test.reports")
        logger.logLevel = .warning
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger)
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: app.makeRouter().buildResponder(), logger: logger)
        let address = try server.start()
        let harness = ReportHarness(app: app, pool: pool, port: address.port, schema: schema)
        func stop() async {
            await server.shutdown(gracePeriod: .seconds(2))
            _ = try? await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await pool.close()
        }
        do {
            try await body(harness)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// A token with `scopes` from the real token endpoint, and the client's row id.
    func token(_ scopes: [Scope]) async throws -> (token: String, clientKey: String) {
        let credentials = try await app.clients.create(name: "reports test", scopes: scopes)
        let response = try await http(
            "POST", "/openadr3/3.0.1/auth/token",
            body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)",
            contentType: "application/x-www-form-urlencoded")
        struct Token: Decodable { let access_token: String }
        let token = try JSONDecoder().decode(Token.self, from: response.body).access_token
        let rows = try await pool.query("SELECT id::text AS id FROM clients WHERE client_id = \(credentials.clientID)")
        return (token, try rows[0].decode(String.self, column: "id"))
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    func http(_ method: String, _ path: String, token: String? = nil, accept: String? = nil, body: String? = nil, contentType: String = "application/json")
        async throws -> Response
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                guard let http = response as? HTTPURLResponse else {
                    continuation.resume(throwing: error ?? URLError(.badServerResponse))
                    return
                }
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
                continuation.resume(returning: Response(status: http.statusCode, headers: headers, body: data ?? Data()))
            }.resume()
        }
    }

    // MARK: Fixture rows

    /// A program and a SIMPLE event owned by `owner`, starting at `start`, with `levels.count` intervals of `minutes`.
    func createEvent(owner: String, id: String, start: Date, minutes: Int, levels: [Int]) async throws {
        let programID = "p-" + id
        try await pool.execute(
            """
            INSERT INTO programs (id, owner, program_name, object, created_at, modified_at)
            VALUES (\(programID), \(owner)::uuid, \(programID), \(#"{"programName":"p"}"#)::jsonb, now(), now())
            """)
        let formatter = ISO8601DateFormatter()
        let intervals = levels.enumerated().map { index, level in
            #"{"id":\#(index),"intervalPeriod":{"start":"\#(formatter.string(from: start.addingTimeInterval(Double(index * minutes * 60))))","duration":"PT\#(minutes)M"},"payloads":[{"type":"SIMPLE","values":[\#(level)]}]}"#
        }
        let object = #"""
            {"id":"\#(id)","createdDateTime":"\#(formatter.string(from: start))","modificationDateTime":"\#(formatter.string(from: start))","objectType":"EVENT","programID":"\#(programID)","eventName":"test-\#(id)","intervalPeriod":{"start":"\#(formatter.string(from: start))","duration":"PT\#(minutes)M"},"intervals":[\#(intervals.joined(separator: ","))]}
            """#
        let end = start.addingTimeInterval(Double(levels.count * minutes * 60))
        try await pool.execute(
            """
            INSERT INTO events (id, owner, program_id, event_name, starts_at, ends_at, object, created_at, modified_at)
            VALUES (\(id), \(owner)::uuid, \(programID), \("test-" + id), \(start), \(end), \(object)::jsonb, now(), now())
            """)
    }

    func createVehicle(_ name: String, batteryKWh: Double = 75, chargeLimit: Double = 90) async throws -> String {
        let rows = try await pool.query(
            "INSERT INTO vehicles (vendor, vendor_vehicle_id, make, battery_kwh) VALUES ('tesla', \(name), 'Tesla', \(batteryKWh)) RETURNING id::text AS id")
        let id = try rows[0].decode(String.self, column: "id")
        try await pool.execute("UPDATE vehicle_states SET charge_limit = \(chargeLimit) WHERE vehicle_id = \(id)::uuid")
        return id
    }

    func plan(event: String, index: Int, vehicle: String, target: String, ineligible: String? = nil, baseline: Double = 7.2, planned: Double = 0)
        async throws
    {
        try await pool.execute(
            """
            INSERT INTO interval_plans (event_id, interval_index, vehicle_id, target, ineligible, baseline_kw, planned_kw)
            VALUES (\(event), \(index), \(vehicle)::uuid, \(target), \(ineligible), \(baseline), \(planned))
            """)
    }

    func command(vehicle: String, event: String?, command: String, outcome: String, at: Date, reason: String? = nil, attempt: Int = 1) async throws {
        try await pool.execute(
            """
            INSERT INTO vehicle_commands (vehicle_id, command_key, event_id, command, outcome, reason, attempt, latency_ms, process, created_at)
            VALUES (\(vehicle)::uuid, \(vehicle + ":" + command), \(event), \(command), \(outcome), \(reason), \(attempt), 420, 'test', \(at))
            """)
    }

    /// A sample: `kw` while charging, 0 and not charging with `charging: false`, unplugged with `plugged: false`.
    func sample(vehicle: String, at: Date, kw: Double, soc: Double = 50, charging: Bool = true, plugged: Bool = true) async throws {
        let flags = (plugged ? 1 : 0) | (plugged && charging ? 2 : 0) | 4
        try await pool.execute(
            """
            INSERT INTO telemetry_samples (vehicle_id, sampled_at, power_w, amps, soc_permille, flags)
            VALUES (\(vehicle)::uuid, \(at), \(Int((kw * 1000).rounded())), 30, \(Int(soc * 10)), \(flags))
            """)
    }
}
