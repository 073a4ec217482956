import API
import Foundation
import HTTP
import Logging
import Postgres
import Testing

/// A Curtail app on a loopback port, on its own freshly migrated PostgreSQL schema, for one test.
struct TestApp {
    let app: CurtailApplication
    let port: Int

    /// Runs `body` against a started app and always stops it and drops the schema.
    /// `pool` adjusts the app's pool configuration (size, acquire timeout) before it is made.
    static func with<T>(
        pool adjust: (inout PostgresPool.Configuration) -> Void = { _ in }, _ body: (TestApp) async throws -> T
    ) async throws -> T {
        let databaseURL = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"], "DATABASE_URL must point at a test PostgreSQL (scripts/test starts one)")
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        // Every connection of this app sees only its own schema (plus pg_catalog).
        let separator = databaseURL.contains("?") ? "&" : "?"
        let scopedURL = databaseURL + separator + "options=-csearch_path%3D\(schema)"
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = scopedURL
        environment["CURTAIL_LISTEN"] = "127.0.0.1:0"
        environment["CURTAIL_SECRET_KEY"] = environment["CURTAIL_SECRET_KEY"] ?? String(repeating: "5a", count: 32)
        environment["CURTAIL_MIGRATIONS"] = Self.migrationsDirectory
        let configuration = try CurtailConfiguration.fromEnvironment(environment)
        let logger = Logger(label: "test.api")
        var poolConfiguration = CurtailApplication.makePool(configuration, logger: logger).configuration
        adjust(&poolConfiguration)
        let pool = PostgresPool(configuration: poolConfiguration, logger: logger)
        let app = CurtailApplication(configuration: configuration, pool: pool, logger: logger)
        try await Migrator(directory: Self.migrationsDirectory, pool: pool, schema: schema, logger: logger).migrate()
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: app.makeRouter().buildResponder(), logger: logger)
        let port = try server.start().port
        func cleanUp() async {
            await server.shutdown(gracePeriod: .seconds(2))
            _ = try? await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await pool.close()
        }
        do {
            let result = try await body(TestApp(app: app, port: port))
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    static var migrationsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations").path
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// A raw HTTP/1.1 exchange on a fresh connection (the request is sent with `Connection: close`).
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") async throws -> TestResponse {
        var wire = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { wire += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { wire += "Content-Length: \(body.utf8.count)\r\n" }
        wire += "\r\n" + body
        let raw = try await RawExchange.send(wire, port: port)
        return try TestResponse(raw: raw)
    }

    /// Creates a client and returns a bearer token for it from the real token endpoint.
    func token(scopes: [Scope]) async throws -> String {
        let credentials = try await app.clients.create(name: "test client", scopes: scopes)
        let response = try await request(
            "POST", "/openadr3/3.0.1/auth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)")
        #expect(response.status == 200)
        return try #require(response.json?["access_token"] as? String)
    }
}

struct TestResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    init(raw: String) throws {
        guard let split = raw.range(of: "\r\n\r\n") else { throw TestFailure("no response head in: \(raw.prefix(200))") }
        let head = raw[..<split.lowerBound].components(separatedBy: "\r\n")
        status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        self.headers = headers
        body = String(raw[split.upperBound...])
    }

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One request/response over a blocking socket, run on its own Dispatch queue (never the 2-thread cooperative pool).
enum RawExchange {
    static func send(_ wire: String, port: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "test.raw-exchange").async {
                continuation.resume(with: Result { try exchange(wire, port: port) })
            }
        }
    }

    private static func exchange(_ wire: String, port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect failed") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(wire.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed") }
            offset += n
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { out.append(contentsOf: buffer[0..<n]) } else { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
