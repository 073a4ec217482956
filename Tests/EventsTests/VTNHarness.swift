import API
import Events
import Foundation
import HTTP
import Logging
import OpenADR
import Postgres
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One running VTN for a test: a fresh schema in the throwaway PostgreSQL (DATABASE_URL), migrated; the real
/// router on an HTTPServer at a kernel-chosen port; helpers to create clients and call the API over HTTP.
struct VTN {
    let pool: PostgresPool
    let app: CurtailApplication
    let port: Int
    let schema: String

    /// The allow-list the harness gives the VTN (`CURTAIL_WEBHOOK_ALLOW_NETWORKS`): subscribers run on loopback.
    static let loopbackAllowList = "127.0.0.0/8,::1/128"
    /// A webhook transport that may reach the loopback subscribers (the default one refuses them).
    static let loopbackTransport = HTTPClientWebhookTransport(policy: WebhookDestinationPolicy.parse(allowList: loopbackAllowList)!)

    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations").path

    /// The examples of shared/openadr/examples, as copied into the OpenADR tests' fixtures.
    static let examplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OpenADRTests/Fixtures").path

    /// Starts a VTN, runs `body`, and always stops the server, drops the schema and closes the pool.
    /// - Parameter webhookAllowList: the VTN's `CURTAIL_WEBHOOK_ALLOW_NETWORKS` (loopback by default; "" for the
    ///   production default, public addresses only).
    static func run(webhookAllowList: String = loopbackAllowList, _ body: (VTN) async throws -> Void) async throws {
        let base = try #require(
            ProcessInfo.processInfo.environment["DATABASE_URL"],
            "DATABASE_URL is not set: run `source scripts/lib/pg.sh && pg_up` first")
        let schema = "vtn_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let pool = PostgresPool(
            configuration: .init(
                connection: .init(connectionString: url, connectTimeout: .seconds(5)), maxConnections: 6))
        try await Migrator(directory: migrationsDirectory, pool: pool, schema: schema).migrate()
        let configuration = try CurtailConfiguration.fromEnvironment([
            "DATABASE_URL": url, "CURTAIL_MIGRATIONS": migrationsDirectory,
            // The tests' subscribers listen on loopback, which the default SSRF policy refuses.
            WebhookDestinationPolicy.environmentVariable: webhookAllowList,
        ])
        var logger = Logger(label: "test.vtn")
        logger.logLevel = .warning
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            responder: app.makeRouter().buildResponder(), logger: logger)
        let address = try server.start()
        let vtn = VTN(pool: pool, app: app, port: address.port, schema: schema)
        do {
            try await body(vtn)
        } catch {
            await vtn.stop(server)
            throw error
        }
        await vtn.stop(server)
    }

    private func stop(_ server: HTTPServer) async {
        await server.shutdown(gracePeriod: .seconds(2))
        _ = try? await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await pool.close()
    }

    // MARK: - Clients and tokens

    static let businessLogic: [Scope] = [.readAll, .writePrograms, .writeEvents, .writeSubscriptions, .writeVENs]
    static let ven: [Scope] = [.readAll, .writeReports, .writeSubscriptions, .writeVENs]
    static let `operator`: [Scope] = [
        .fleetRead, .fleetWrite, .readAll, .writePrograms, .writeEvents, .writeReports, .writeSubscriptions, .writeVENs,
    ]

    /// Creates a client with `scopes` through ClientStore and returns a bearer token from the real token endpoint.
    func token(_ name: String, _ scopes: [Scope]) async throws -> String {
        let credentials = try await app.clients.create(name: name, scopes: scopes)
        let form =
            "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)"
        let response = try await send(
            "POST", "/auth/token", body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
        try #require(response.status == 200, "token request failed: \(response.text)")
        struct Token: Decodable { let access_token: String }
        return try JSONDecoder().decode(Token.self, from: response.body).access_token
    }

    // MARK: - HTTP

    struct Response: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try OpenADRJSON.decode(T.self, from: body)
            } catch {
                Issue.record("cannot decode \(T.self) from \(status) \(text): \(error)")
                throw error
            }
        }

        var problem: HTTP.Problem? { try? JSONDecoder().decode(HTTP.Problem.self, from: body) }
        var pointers: [String] { problem?.errors?.map(\.pointer) ?? [] }
    }

    /// Sends a request to `/openadr3/3.0.1` + `path`.
    func send(
        _ method: String, _ path: String, token: String? = nil, body: Data? = nil,
        contentType: String = "application/json"
    ) async throws -> Response {
        try await Self.http(
            method, "http://127.0.0.1:\(port)/openadr3/3.0.1\(path)", token: token, body: body, contentType: contentType
        )
    }

    /// Sends `value` encoded as JSON.
    func send(_ method: String, _ path: String, token: String, json value: some Encodable) async throws -> Response {
        try await send(method, path, token: token, body: try OpenADRJSON.encode(value))
    }

    static func http(
        _ method: String, _ url: String, token: String? = nil, body: Data? = nil,
        contentType: String = "application/json"
    ) async throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
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
                for (key, value) in http.allHeaderFields {
                    headers[String(describing: key).lowercased()] = String(describing: value)
                }
                continuation.resume(
                    returning: Response(status: http.statusCode, headers: headers, body: data ?? Data()))
            }.resume()
        }
    }

    // MARK: - Examples

    static func example<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: examplesDirectory + "/" + name))
        return try OpenADRJSON.decode(T.self, from: data)
    }

    /// Creates `program.json` (optionally renamed) as `token`'s client and returns it as stored.
    func createProgram(token: String, name: String? = nil) async throws -> Program {
        var program: Program = try Self.example("program.json")
        if let name { program.programName = name }
        let response = try await send("POST", "/programs", token: token, json: program)
        try #require(response.status == 201, "create program: \(response.text)")
        return try response.decode(Program.self)
    }

    /// Creates `event-simple-shed.json` in `programID` (optionally with other targets) and returns it as stored.
    func createEvent(token: String, programID: String, groups: [String]? = nil) async throws -> Event {
        var event: Event = try Self.example("event-simple-shed.json")
        event.programID = programID
        if let groups { event.targets = [ValuesMap(.group, groups)] }
        let response = try await send("POST", "/events", token: token, json: event)
        try #require(response.status == 201, "create event: \(response.text)")
        return try response.decode(Event.self)
    }
}

/// Clears the VTN-provisioned fields so that an object as sent and as served compare equal.
protocol VTNProvisioned {
    var id: String? { get set }
    var createdDateTime: DateTime? { get set }
    var modificationDateTime: DateTime? { get set }
    var objectType: ObjectType? { get set }
}

extension VTNProvisioned {
    var withoutVTNFields: Self {
        var copy = self
        copy.id = nil
        copy.createdDateTime = nil
        copy.modificationDateTime = nil
        copy.objectType = nil
        return copy
    }
}

extension Program: VTNProvisioned {}
extension Event: VTNProvisioned {}
extension Report: VTNProvisioned {}
extension Subscription: VTNProvisioned {}
extension VEN: VTNProvisioned {}
extension Resource: VTNProvisioned {}
