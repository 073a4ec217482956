@testable import API
import Dispatch
import Events
import Foundation
import HTTP
import Logging
import Observability
import OpenADR
import Postgres
import Testing

/// VEN mode end to end: a separate `curtail serve` process (its own schema) is the upstream utility VTN; an
/// in-process Curtail application with its own schema, server and VEN agent is the VEN.
@Suite(.serialized) struct VENModeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/curtail").path

    @Test func mirrorsAnUpstreamCurtailByWebhookAndPollAndPostsReportsBack() async throws {
        let base = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"], "DATABASE_URL is not set")
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the curtail executable first (swift build)")

        // The upstream: its schema, clients, and `curtail serve` in its own process.
        let upstreamDB = try await Schema.create(base: base, prefix: "up")
        defer { upstreamDB.dropSoon() }
        let blCredentials = try await ClientStore(pool: upstreamDB.pool).create(
            name: "utility", scopes: [.readAll, .writePrograms, .writeEvents, .writeSubscriptions, .writeVENs])
        // Curtail-as-VTN shows a client only its own objects unless it is an operator: the VEN reads the utility's.
        let venCredentials = try await ClientStore(pool: upstreamDB.pool).create(
            name: "curtail-ven", scopes: [.readAll, .writeReports, .writeSubscriptions, .writeVENs, .fleetRead])
        let upstream = try UpstreamProcess.start(databaseURL: upstreamDB.url)
        defer { upstream.stop() }
        let upstreamPort = try await upstream.port()
        let upstreamBase = "http://127.0.0.1:\(upstreamPort)/openadr3/3.0.1"
        try await eventually("the upstream serves") { (try? await VTN.http("GET", "http://127.0.0.1:\(upstreamPort)/healthz"))?.status == 200 }
        let bl = try await token(upstreamBase, blCredentials)
        let venToken = try await token(upstreamBase, venCredentials)

        let program = try await VTN.http("POST", upstreamBase + "/programs", token: bl, body: Data(#"{"programName":"summer-peak"}"#.utf8))
        try #require(program.status == 201, "\(program.text)")
        let programID = try #require(try program.decode(Program.self).id)

        // The VEN: its schema, its webhook server, its agent (a long poll interval: only the first pass polls).
        let venDB = try await Schema.create(base: base, prefix: "ven")
        defer { venDB.dropSoon() }
        func venApp(poll: String, callback: String) throws -> CurtailApplication {
            let configuration = try CurtailConfiguration.fromEnvironment([
                "DATABASE_URL": venDB.url, "CURTAIL_MIGRATIONS": VTN.migrationsDirectory,
                "CURTAIL_VEN_UPSTREAM_URL": upstreamBase, "CURTAIL_VEN_CLIENT_ID": venCredentials.clientID,
                "CURTAIL_VEN_CLIENT_SECRET": venCredentials.clientSecret, "CURTAIL_VEN_NAME": "curtail-test",
                "CURTAIL_VEN_CALLBACK_URL": callback, "CURTAIL_VEN_POLL_INTERVAL": poll,
            ])
            var logger = Logger(label: "test.ven")
            logger.logLevel = .warning
            return CurtailApplication(configuration: configuration, pool: venDB.pool, logger: logger)
        }
        // The webhook route needs no callback URL; the agent needs the port the server got.
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            responder: try venApp(poll: "1h", callback: "http://unused.invalid/").makeRouter().buildResponder(), logger: Logger(label: "test.ven"))
        let venPort = try server.start().port
        let callback = "http://127.0.0.1:\(venPort)\(VENConfiguration.notificationsPath)"
        let app = try venApp(poll: "1h", callback: callback)
        let agent = Task { await app.runVEN() }
        // On a failure, stop what runs before the error propagates (a server must be shut down before release).
        var serverUp = true
        var agent2: Task<Void, Never>?
        do {

            // Registers, mirrors the program, subscribes with Curtail's webhook.
            try await eventually("registered upstream") {
                (try? await VTN.http("GET", upstreamBase + "/vens?venName=curtail-test", token: venToken).decode([VEN].self).count) == 1
            }
            try await eventually("subscribed upstream") {
                let subscriptions = (try? await VTN.http("GET", upstreamBase + "/subscriptions", token: venToken).decode([Subscription].self)) ?? []
                return subscriptions.contains { $0.programID == programID && $0.objectOperations.contains { $0.callbackUrl == callback } }
            }
            let localProgram = VENMirror.localID(.program, programID)
            try await eventually("program mirrored") { try await venDB.count("SELECT count(*)::int AS n FROM programs WHERE id = \(localProgram)") == 1 }

            // A notification with a wrong token or none: 401 problem+json, nothing ingested.
            let forged = #"{"objectType":"EVENT","operation":"POST","object":{"id":"forged-1","programID":"\#(programID)","intervals":[{"id":0,"intervalPeriod":{"start":"2099-01-01T00:00:00Z","duration":"PT1H"},"payloads":[{"type":"SIMPLE","values":[3]}]}]}}"#
            for bearer in ["wrong-token", nil] {
                let refused = try await VTN.http("POST", callback, token: bearer, body: Data(forged.utf8))
                #expect(refused.status == 401)
                #expect(refused.headers["content-type"]?.hasPrefix("application/problem+json") == true)
            }
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM events") == 0)
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM ven_mirror WHERE upstream_id = 'forged-1'") == 0)

            // An event created upstream arrives by webhook (the agent will not poll again for an hour).
            let created = try await VTN.http("POST", upstreamBase + "/events", token: bl, body: Data(Self.event(programID, name: "shed-1", level: 1).utf8))
            try #require(created.status == 201, "\(created.text)")
            let eventID = try #require(try created.decode(Event.self).id)
            let localEvent = VENMirror.localID(.event, eventID)
            try await eventually("event mirrored by webhook") {
                try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(localEvent) AND program_id = \(localProgram)") == 1
            }
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM ven_links WHERE last_notification_at IS NOT NULL") == 1)

            // Modified upstream: the mirror is updated (revision 2, new name and level).
            let modified = try await VTN.http("PUT", upstreamBase + "/events/\(eventID)", token: bl, body: Data(Self.event(programID, name: "shed-1b", level: 2).utf8))
            try #require(modified.status == 200, "\(modified.text)")
            try await eventually("modification mirrored") {
                try await venDB.count(
                    "SELECT count(*)::int AS n FROM events WHERE id = \(localEvent) AND revision = 2 AND event_name = 'shed-1b' AND object->'intervals'->0->'payloads'->0->'values'->>0 = '2'") == 1
            }

            // Duplicated and reordered notifications change nothing: the original create, replayed with the right
            // token after the update, is older than what is applied.
            let link = VENLink(pool: venDB.pool, configuration: app.configuration.ven!)
            let webhookToken = link.webhookToken(try #require(try await link.load()))
            /// The body the upstream delivered for `operation` on the event (marked delivered once our 200 reached it).
            func delivered(_ operation: String) async throws -> Data {
                let query: PostgresQuery =
                    "SELECT body::text AS body FROM notification_outbox WHERE body->'object'->>'id' = \(eventID) AND operation = \(operation) AND delivered_at IS NOT NULL"
                try await eventually("\(operation) marked delivered upstream") { try await !upstreamDB.pool.query(query).isEmpty }
                return Data(try #require(try await upstreamDB.pool.query(query).first?.decode(String.self, column: "body")).utf8)
            }
            let replayedCreate = try await VTN.http("POST", callback, token: webhookToken, body: try await delivered("POST"))
            #expect(replayedCreate.status == 200)
            #expect(replayedCreate.text == #"{"outcome":"unchanged"}"#)
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(localEvent) AND revision = 2 AND event_name = 'shed-1b'") == 1)

            // Deleted upstream: the mirror is deleted and cancelled (the engine restores its vehicles).
            let deleted = try await VTN.http("DELETE", upstreamBase + "/events/\(eventID)", token: bl)
            try #require(deleted.status == 200, "\(deleted.text)")
            try await eventually("deletion mirrored") {
                try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(localEvent) AND deleted_at IS NOT NULL AND cancelled_at IS NOT NULL") == 1
            }
            // A late update does not resurrect a deleted event.
            let replayedUpdate = try await VTN.http("POST", callback, token: webhookToken, body: try await delivered("PUT"))
            #expect(replayedUpdate.text == #"{"outcome":"unchanged"}"#)
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM events WHERE deleted_at IS NULL") == 0)

            // An event addressed to another VEN of the upstream is delivered but not acted on.
            let foreign = try await VTN.http(
                "POST", upstreamBase + "/events", token: bl, body: Data(Self.event(programID, name: "other", level: 3, venName: "other-ven").utf8))
            try #require(foreign.status == 201, "\(foreign.text)")
            let foreignID = try #require(try foreign.decode(Event.self).id)
            try await eventually("the other VEN's event delivered") {
                try await upstreamDB.count(
                    "SELECT count(*)::int AS n FROM notification_outbox WHERE body->'object'->>'id' = \(foreignID) AND delivered_at IS NOT NULL") == 1
            }
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(VENMirror.localID(.event, foreignID))") == 0)

            // The webhook goes down (server and agent stop, as in a crash); an event is created upstream meanwhile.
            agent.cancel()
            await agent.value
            await server.shutdown(gracePeriod: .seconds(1))
        serverUp = false
            let missed = try await VTN.http("POST", upstreamBase + "/events", token: bl, body: Data(Self.event(programID, name: "shed-2", level: 1, intervals: 2).utf8))
            try #require(missed.status == 201, "\(missed.text)")
            let missedID = try #require(try missed.decode(Event.self).id)
            try await eventually("the upstream failed to deliver it") {
                try await upstreamDB.count(
                    "SELECT count(*)::int AS n FROM notification_outbox WHERE body->'object'->>'id' = \(missedID) AND attempts >= 1 AND delivered_at IS NULL AND last_error IS NOT NULL") == 1
            }
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM ven_mirror WHERE upstream_id = \(missedID)") == 0)

            // A restarted agent (short poll interval) resumes from the database and picks the event up by polling.
            let restarted = try venApp(poll: "1s", callback: callback)
            agent2 = Task { await restarted.runVEN() }
            let localMissed = VENMirror.localID(.event, missedID)
            try await eventually("missed event mirrored by polling") {
                try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(localMissed) AND deleted_at IS NULL") == 1
            }
            // Later polls find nothing new: the mirror is not rewritten (revision stays 1).
            let mirroredAt = Date()
            try await eventually("two more polls") {
                try await venDB.count("SELECT count(*)::int AS n FROM ven_links WHERE last_poll_at > \(mirroredAt.addingTimeInterval(1))") == 1
            }
            #expect(try await venDB.count("SELECT count(*)::int AS n FROM events WHERE id = \(localMissed) AND revision = 1") == 1)
            // Resumed, not repeated: one VEN, one subscription upstream.
            #expect(try await VTN.http("GET", upstreamBase + "/vens?venName=curtail-test", token: venToken).decode([VEN].self).count == 1)
            #expect(try await VTN.http("GET", upstreamBase + "/subscriptions?clientName=curtail-test", token: venToken).decode([Subscription].self).count == 1)

            // The report publisher's OpenADR report on the mirrored event (two 30-minute intervals starting in an
            // hour; published as each interval freezes, here with the clock moved past each) goes upstream with the
            // upstream's ids and the VEN's name, and its second version replaces the first there.
            let publisher = ReportPublisher(pool: venDB.pool, metrics: MetricsRegistry())
            let start = try #require(try await venDB.pool.query("SELECT starts_at FROM events WHERE id = \(localMissed)").first?.decode(Date.self, column: "starts_at"))
            #expect(try await publisher.publishOnce(now: start.addingTimeInterval(35 * 60)) == [localMissed])
            func upstreamReports() async throws -> [Report] {
                try await VTN.http("GET", upstreamBase + "/reports?eventID=\(missedID)", token: bl).decode([Report].self)
            }
            try await eventually("report posted upstream") { (try? await upstreamReports().count) == 1 }
            let first = try await upstreamReports()[0]
            #expect(first.programID == programID)
            #expect(first.clientName == "curtail-test")
            #expect(first.resources.first?.resourceName == ReportResource.aggregatedReport)
            #expect(try await publisher.publishOnce(now: start.addingTimeInterval(65 * 60)) == [localMissed])
            try await eventually("report replaced upstream") {
                (try? await upstreamReports().first?.modificationDateTime).flatMap { $0 } != first.modificationDateTime
            }
            let reports = try await upstreamReports()
            #expect(reports.count == 1)
            #expect(reports[0].id == first.id)
        } catch {
            agent.cancel()
            agent2?.cancel()
            await agent.value
            await agent2?.value
            if serverUp { await server.shutdown(gracePeriod: .seconds(1)) }
            throw error
        }
        agent2?.cancel()
        await agent2?.value
    }

    /// An event starting in an hour: `intervals` intervals of an hour (one) or 30 minutes (several).
    static func event(_ programID: String, name: String, level: Int, intervals: Int = 1, venName: String? = nil) -> String {
        let start = DateTime(Date().addingTimeInterval(3600)).description
        let duration = intervals == 1 ? "PT1H" : "PT30M"
        let list = (0..<intervals).map { #"{"id":\#($0),"payloads":[{"type":"SIMPLE","values":[\#(level)]}]}"# }.joined(separator: ",")
        let targets = venName.map { #","targets":[{"type":"VEN_NAME","values":["\#($0)"]}]"# } ?? ""
        return #"{"programID":"\#(programID)","eventName":"\#(name)"\#(targets),"intervalPeriod":{"start":"\#(start)","duration":"\#(duration)"},"intervals":[\#(list)]}"#
    }

    func token(_ base: String, _ credentials: ClientStore.Credentials) async throws -> String {
        let form = "grant_type=client_credentials&client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)"
        let response = try await VTN.http("POST", base + "/auth/token", body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
        try #require(response.status == 200, "\(response.text)")
        struct Token: Decodable { let access_token: String }
        return try JSONDecoder().decode(Token.self, from: response.body).access_token
    }

    /// Polls `condition` every 100 ms for up to 30 s.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting: \(what)")
        throw CancellationError()
    }
}

/// A migrated schema of its own in the test PostgreSQL.
struct Schema: Sendable {
    let name: String
    let url: String
    let pool: PostgresPool

    static func create(base: String, prefix: String) async throws -> Schema {
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(name)"
        let pool = PostgresPool(configuration: .init(connection: .init(connectionString: url, connectTimeout: .seconds(5)), maxConnections: 4))
        try await Migrator(directory: VTN.migrationsDirectory, pool: pool, schema: name).migrate()
        return Schema(name: name, url: url, pool: pool)
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).first?.decode(Int.self, column: "n") ?? 0
    }

    /// Drops the schema and closes the pool (from a `defer`, so in a task of its own, awaited by nobody).
    func dropSoon() {
        let (pool, name) = (pool, name)
        Task {
            _ = try? await pool.execute("DROP SCHEMA \(identifier: name) CASCADE")
            await pool.close()
        }
    }
}

/// `curtail serve --no-engine` in a child process; output goes to a temporary log file.
struct UpstreamProcess: Sendable {
    let process: Process
    let log: URL

    static func start(databaseURL: String) throws -> UpstreamProcess {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("curtail-upstream-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: VENModeTests.binary)
        process.arguments = ["serve", "--no-engine", "--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CURTAIL_") }
        environment["DATABASE_URL"] = databaseURL
        environment["CURTAIL_MIGRATIONS"] = VTN.migrationsDirectory
        environment["CURTAIL_LOG_LEVEL"] = "info"
        // The VEN's webhook listens on loopback, which the SSRF policy refuses unless allowed.
        environment["CURTAIL_WEBHOOK_ALLOW_NETWORKS"] = VTN.loopbackAllowList
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return UpstreamProcess(process: process, log: log)
    }

    /// The port the kernel chose, read from the server's `listening` log line.
    func port() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"address=127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                // The child keeps writing to its descriptor; the name is not needed any more.
                try? FileManager.default.removeItem(at: log)
                return port
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the upstream did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        throw CancellationError()
    }

    /// SIGTERM, then wait for the exit on a queue of its own (waitUntilExit blocks).
    func stop() {
        process.terminate()
        let process = process
        DispatchQueue(label: "upstream-exit").async { process.waitUntilExit() }
    }
}
