import Foundation
import HTTP
import Logging
import OpenADR
import Postgres
import Secrets

/// Curtail's VEN role towards one upstream VTN: register, subscribe, poll, and post reports.
///
/// Each pass, the holder of the link's lease (one process of many; see `ven_links.lease_until`):
/// 1. registers Curtail's VEN (`GET /vens?venName=`, else `POST /vens`) unless the link already has its id;
/// 2. when a poll is due, lists the upstream's programs and events and reconciles the mirror (``VENMirror``):
///    new and changed objects applied, objects gone from the listing deleted; and holds one subscription per
///    upstream program (PROGRAM and EVENT, CREATE/UPDATE/DELETE) whose callback is Curtail's webhook and whose
///    bearer token is the link's (``VENLink``);
/// 3. posts Curtail's reports on mirrored events upstream (``VENReportUplink``).
///
/// Polls run every ``VENConfiguration/pollInterval``, and four times as often (at least every second) while no
/// notification has arrived for five intervals: a silent webhook never loses an event. A failed pass is retried
/// after 2 s, doubling up to the poll interval, so a down upstream is not hammered. All state is in
/// PostgreSQL, so a restarted process resumes: nothing is registered or subscribed twice.
public struct VENAgent: Sendable {
    let link: VENLink
    let upstream: UpstreamVTN
    let pool: PostgresPool
    let serializer: Serializer
    let logger: Logger
    let holder = UUID().uuidString.lowercased()

    public init(pool: PostgresPool, upstream: UpstreamVTN, serializer: VENSerializer, logger: Logger) {
        self.link = VENLink(pool: pool, configuration: upstream.configuration)
        self.upstream = upstream
        self.pool = pool
        self.serializer = serializer.serializer
        self.logger = logger
    }

    var configuration: VENConfiguration { upstream.configuration }

    /// How long a pass's lease lasts; it is renewed every tick (at most 2 s), so a process that dies hands over
    /// within this time.
    static let lease: Duration = .seconds(30)

    /// Runs passes until cancelled. Failures are logged (never with a secret) and retried on the next pass.
    public func run() async {
        logger.info("VEN mode started", metadata: ["upstream": "\(configuration.upstreamURL)", "ven_name": "\(configuration.venName)"])
        var nextPoll = Date.distantPast
        // After a failed pass (upstream down, token refused), wait 2 s, doubling up to the poll interval.
        var nextAttempt = Date.distantPast
        var failures = 0
        let tick = min(configuration.pollInterval, .seconds(2))
        while !Task.isCancelled {
            do {
                _ = try await link.ensure()
                if Date() >= nextAttempt, try await link.acquireLease(holder: holder, for: Self.lease) {
                    nextPoll = try await pass(pollDue: Date() >= nextPoll) ?? nextPoll
                    failures = 0
                }
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                let delay = min(Self.seconds(configuration.pollInterval), 2 * pow(2, Double(min(failures - 1, 16))))
                logger.warning("VEN pass failed", metadata: ["error": "\(error)", "retry_in_s": "\(Int(delay))"])
                nextAttempt = Date().addingTimeInterval(delay)
                nextPoll = min(nextPoll, nextAttempt)
            }
            try? await Task.sleep(for: tick)
        }
        // Hand the lease over now rather than when it runs out (in a task of its own: this one is cancelled).
        let (link, holder) = (link, holder)
        await Task { try? await link.releaseLease(holder: holder) }.value
        logger.info("VEN mode stopped")
    }

    /// One pass. - Returns: when the next poll is due, or `nil` when this pass did not poll.
    @discardableResult
    public func pass(pollDue: Bool = true) async throws -> Date? {
        var state = try await link.ensure()
        if state.venID == nil {
            state.venID = try await register()
        }
        var next: Date?
        if pollDue {
            try await poll(state)
            try await link.recordPoll()
            let quiet = state.lastNotificationAt.map { Date().timeIntervalSince($0) > 5 * Self.seconds(configuration.pollInterval) } ?? true
            let interval = quiet ? max(1, Self.seconds(configuration.pollInterval) / 4) : Self.seconds(configuration.pollInterval)
            next = Date().addingTimeInterval(interval)
        }
        try await VENReportUplink(pool: pool, upstream: upstream, logger: logger).uplinkDue()
        return next
    }

    /// Finds Curtail's VEN on the upstream by name, or registers it. - Returns: its upstream id.
    func register() async throws -> String {
        let name = configuration.venName
        func find() async throws -> String? {
            try await upstream.get("/vens?venName=\(UpstreamVTN.query(name))", as: [VEN].self).first { $0.venName == name }?.id
        }
        var venID = try await find()
        if venID == nil {
            do {
                venID = try await upstream.send(.post, "/vens", VEN(objectType: nil, venName: name)).id
            } catch let failure as UpstreamVTN.Failure where failure.status == 409 {
                venID = try await find()  // registered meanwhile (another process, or an earlier run)
            }
        }
        guard let venID else { throw VENLinkError("the upstream did not return an id for VEN \(name)") }
        try await link.recordRegistration(venID: venID)
        logger.info("VEN registered upstream", metadata: ["ven_id": "\(venID)"])
        return venID
    }

    /// Lists the upstream's programs and events and reconciles the mirror and the subscriptions.
    func poll(_ state: VENLinkState) async throws {
        let mirror = VENMirror(pool: pool, owner: state.owner, venName: configuration.venName, serializer: serializer)
        let programs = try await upstream.getAll("/programs", as: Program.self)
        var listed: Set<String> = []
        for program in programs {
            guard let id = program.id else { continue }
            listed.insert(id)
            log(try await mirror.apply(program), "program", id)
            if try await mirror.localProgramID(upstreamID: id) != nil {
                try await subscribe(programID: id, state: state)
            }
        }
        for gone in try await mirror.liveUpstreamIDs(.program).subtracting(listed) {
            if let program = try await stillThere("/programs/\(UpstreamVTN.query(gone))", as: Program.self) {
                log(try await mirror.apply(program), "program", gone)
                continue
            }
            log(try await mirror.deleteProgram(upstreamID: gone), "program", gone)
            try await unsubscribe(programID: gone)
        }
        let events = try await upstream.getAll("/events", as: Event.self)
        var listedEvents: Set<String> = []
        for event in events {
            guard let id = event.id else { continue }
            listedEvents.insert(id)
            log(try await mirror.apply(event), "event", id)
        }
        for gone in try await mirror.liveUpstreamIDs(.event).subtracting(listedEvents) {
            if let event = try await stillThere("/events/\(UpstreamVTN.query(gone))", as: Event.self) {
                log(try await mirror.apply(event), "event", gone)
                continue
            }
            log(try await mirror.deleteEvent(upstreamID: gone), "event", gone)
        }
    }

    /// An object missing from a listing is gone only if reading it answers 404: a deletion while the listing was
    /// paged shifts later objects to earlier pages, and a deletion here would cancel a live event for good.
    func stillThere<T: Decodable>(_ path: String, as type: T.Type) async throws -> T? {
        do {
            return try await upstream.get(path, as: T.self)
        } catch let failure as UpstreamVTN.Failure where failure.status == 404 {
            return nil
        }
    }

    func log(_ outcome: VENMirror.Outcome, _ type: String, _ id: String) {
        switch outcome {
        case .unchanged: return
        case .rejected(let reason):
            logger.debug("upstream object not mirrored", metadata: ["type": "\(type)", "upstream_id": "\(id)", "reason": "\(reason)"])
        default:
            logger.info("upstream object mirrored", metadata: ["type": "\(type)", "upstream_id": "\(id)", "outcome": "\(outcome)"])
        }
    }

    /// Holds a subscription to upstream program `programID` with the current callback URL and token.
    func subscribe(programID: String, state: VENLinkState) async throws {
        let token = link.webhookToken(state)
        let tokenHash = Digest.sha256(Array(token.utf8))
        let rows = try await pool.query(
            """
            SELECT upstream_subscription_id, token_hash, callback_url FROM ven_subscriptions
            WHERE upstream_url = \(configuration.upstreamURL) AND upstream_program_id = \(programID)
            """)
        var existing = try rows.first?.decode(String.self, column: "upstream_subscription_id")
        if let row = rows.first, try row.decode([UInt8].self, column: "token_hash") == tokenHash,
            try row.decode(String.self, column: "callback_url") == configuration.callbackURL
        {
            return
        }
        let body = Subscription(
            objectType: nil, clientName: configuration.venName, programID: programID,
            objectOperations: [
                ObjectOperation(objects: [.program, .event], operations: [.create, .update, .delete], callbackUrl: configuration.callbackURL, bearerToken: token)
            ])
        if existing == nil {
            // A subscription made before a crash that kept us from recording it: reuse it rather than add another.
            let mine = try await upstream.getAll(
                "/subscriptions?programID=\(UpstreamVTN.query(programID))&clientName=\(UpstreamVTN.query(configuration.venName))", as: Subscription.self)
            existing = mine.first { $0.objectOperations.contains { $0.callbackUrl == configuration.callbackURL } }?.id
        }
        var stored: Subscription
        if let existing {
            do {
                stored = try await upstream.send(.put, "/subscriptions/\(existing)", body)
            } catch let failure as UpstreamVTN.Failure where failure.status == 404 {
                stored = try await upstream.send(.post, "/subscriptions", body)
            }
        } else {
            stored = try await upstream.send(.post, "/subscriptions", body)
        }
        guard let id = stored.id else { throw VENLinkError("the upstream did not return a subscription id") }
        try await pool.execute(
            """
            INSERT INTO ven_subscriptions (upstream_url, upstream_program_id, upstream_subscription_id, token_hash, callback_url)
            VALUES (\(configuration.upstreamURL), \(programID), \(id), \(tokenHash), \(configuration.callbackURL))
            ON CONFLICT (upstream_url, upstream_program_id) DO UPDATE SET
                upstream_subscription_id = EXCLUDED.upstream_subscription_id, token_hash = EXCLUDED.token_hash,
                callback_url = EXCLUDED.callback_url
            """)
        logger.info("subscribed upstream", metadata: ["program_id": "\(programID)", "subscription_id": "\(id)"])
    }

    /// Drops the subscription to a program the upstream no longer lists.
    func unsubscribe(programID: String) async throws {
        let rows = try await pool.query(
            """
            DELETE FROM ven_subscriptions WHERE upstream_url = \(configuration.upstreamURL) AND upstream_program_id = \(programID)
            RETURNING upstream_subscription_id
            """)
        for row in rows {
            try await upstream.delete("/subscriptions/\(try row.decode(String.self, column: "upstream_subscription_id"))")
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The one ``VENMirror`` serialiser of a process, shared by the agent and the webhook route.
public struct VENSerializer: Sendable {
    let serializer = Serializer()
    public init() {}
}
