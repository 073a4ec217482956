import Foundation
import Logging
import Postgres

/// Delivers queued webhook notifications (`notification_outbox`) to subscribers' callback URLs.
///
/// - **Durable and shared.** Rows are claimed with `FOR UPDATE SKIP LOCKED` in a short transaction that also
///   leases them (moves `next_attempt_at` forward by ``Configuration/lease``) and counts the attempt; the POST
///   happens outside any transaction. Several Curtail processes therefore share the queue without a leader, and a
///   process that dies mid-delivery only delays its rows until their lease runs out: delivery is at least once.
/// - **Retries.** A 2xx is success. Anything else (another status, a timeout, a refused connection) is retried
///   after an exponential backoff with jitter (``backoff(afterAttempt:configuration:random:)``), up to
///   ``Configuration/maxAttempts`` attempts in all; then the row is marked failed.
/// - **Secrets.** `Authorization: Bearer <token>` is sent when the subscription gave a token; the token is never
///   logged and is erased from the row once it is delivered or abandoned.
///
/// ```swift
/// let worker = NotificationDeliveryWorker(pool: pool, transport: HTTPClientWebhookTransport(), logger: logger)
/// Task { await worker.run() }   // until cancelled
/// ```
public struct NotificationDeliveryWorker: Sendable {
    /// Pacing and limits. Every field has a default.
    public struct Configuration: Sendable {
        /// Attempts per notification, the first included. Defaults to 5.
        public var maxAttempts: Int
        /// The backoff before the second attempt; it doubles per attempt. Defaults to 2 s.
        public var baseDelay: Duration
        /// The longest backoff. Defaults to 10 minutes.
        public var maxDelay: Duration
        /// How often to look for due rows when the last pass found none. Defaults to 1 s.
        public var pollInterval: Duration
        /// The longest one POST may take. Defaults to 15 s (README §9 suggests 10–30 s).
        public var requestTimeout: Duration
        /// Rows claimed (and delivered concurrently) per pass. Defaults to 16.
        public var batchSize: Int
        /// How long a claimed row stays invisible to other workers; must exceed ``requestTimeout``. Defaults to 60 s.
        public var lease: Duration
        /// How long delivered and abandoned rows are kept (for inspection) before an idle pass deletes them.
        /// Defaults to 7 days.
        public var retention: Duration

        public init(
            maxAttempts: Int = 5, baseDelay: Duration = .seconds(2), maxDelay: Duration = .seconds(600),
            pollInterval: Duration = .seconds(1), requestTimeout: Duration = .seconds(15), batchSize: Int = 16,
            lease: Duration = .seconds(60), retention: Duration = .seconds(7 * 86_400)
        ) {
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.pollInterval = pollInterval
            self.requestTimeout = requestTimeout
            self.batchSize = batchSize
            self.lease = lease
            self.retention = retention
        }
    }

    let pool: PostgresPool
    let transport: any WebhookTransport
    public let configuration: Configuration
    let logger: Logger

    public init(
        pool: PostgresPool, transport: any WebhookTransport = HTTPClientWebhookTransport(),
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "curtail.notifications")
    ) {
        self.pool = pool
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    /// Delivers until the task is cancelled. Database errors are logged and retried after the poll interval.
    public func run() async {
        logger.info("notification delivery worker started")
        while !Task.isCancelled {
            do {
                let handled = try await deliverDue()
                if handled == 0 {
                    try await sweep()
                    try await Task.sleep(for: configuration.pollInterval)
                }
            } catch is CancellationError {
                break
            } catch {
                logger.error(
                    "notification delivery pass failed",
                    metadata: [
                        "error": "\((error as? PostgresError)?.description ?? String(describing: type(of: error)))"
                    ])
                try? await Task.sleep(for: configuration.pollInterval)
            }
        }
        logger.info("notification delivery worker stopped")
    }

    /// One pass: claims up to ``Configuration/batchSize`` due rows, delivers them concurrently, records outcomes.
    /// - Returns: the number of rows claimed.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let claimed = try await claim()
        await withTaskGroup(of: Void.self) { group in
            for row in claimed {
                group.addTask { await deliver(row) }
            }
        }
        return claimed.count
    }

    /// Deletes up to 500 finished rows older than ``Configuration/retention``.
    /// - Returns: the number deleted.
    @discardableResult
    public func sweep() async throws -> Int {
        try await pool.execute(
            """
            DELETE FROM notification_outbox WHERE id IN (
                SELECT id FROM notification_outbox
                WHERE COALESCE(delivered_at, failed_at) < now() - make_interval(secs => \(Self.seconds(configuration.retention)))
                LIMIT 500)
            """) ?? 0
    }

    struct Claimed: Sendable {
        let id: Int64
        let subscriptionID: String
        let callbackURL: String
        let bearerToken: String?
        let body: String
        let attempt: Int
    }

    private func claim() async throws -> [Claimed] {
        let rows = try await pool.withTransaction { connection in
            try await connection.query(
                """
                WITH due AS (
                    SELECT id FROM notification_outbox
                    WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id
                    LIMIT \(configuration.batchSize)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE notification_outbox o
                SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => \(Self.seconds(configuration.lease)))
                FROM due WHERE o.id = due.id
                RETURNING o.id, o.subscription_id, o.callback_url, o.bearer_token, o.body::text AS body, o.attempts
                """)
        }
        return try rows.map { row in
            Claimed(
                id: try row.decode(Int64.self, column: "id"),
                subscriptionID: try row.decode(String.self, column: "subscription_id"),
                callbackURL: try row.decode(String.self, column: "callback_url"),
                bearerToken: try row.decode(String?.self, column: "bearer_token"),
                body: try row.decode(String.self, column: "body"),
                attempt: try row.decode(Int.self, column: "attempts"))
        }
    }

    private func deliver(_ row: Claimed) async {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let token = row.bearerToken { headers.append(("Authorization", "Bearer \(token)")) }
        let metadata: Logger.Metadata = [
            "outbox_id": "\(row.id)", "subscription_id": "\(row.subscriptionID)", "attempt": "\(row.attempt)",
        ]
        var status: Int?
        var failure: String?
        do {
            status = try await transport.post(
                url: row.callbackURL, headers: headers, body: Array(row.body.utf8),
                timeout: configuration.requestTimeout)
            if let status, !(200..<300).contains(status) { failure = "HTTP \(status)" }
        } catch let error as WebhookTransportError {
            failure = error.reason
        } catch {
            failure = "transport failure"
        }
        do {
            if failure == nil {
                try await pool.execute(
                    """
                    UPDATE notification_outbox SET delivered_at = now(), bearer_token = NULL, last_status = \(status),
                        last_error = NULL
                    WHERE id = \(row.id)
                    """)
                logger.debug("notification delivered", metadata: metadata)
            } else if row.attempt >= configuration.maxAttempts {
                try await pool.execute(
                    """
                    UPDATE notification_outbox SET failed_at = now(), bearer_token = NULL, last_status = \(status),
                        last_error = \(failure)
                    WHERE id = \(row.id)
                    """)
                logger.warning(
                    "notification abandoned", metadata: metadata.merging(["reason": "\(failure ?? "")"]) { $1 })
            } else {
                let delay = Self.backoff(afterAttempt: row.attempt, configuration: configuration)
                try await pool.execute(
                    """
                    UPDATE notification_outbox SET next_attempt_at = now() + make_interval(secs => \(Self.seconds(delay))),
                        last_status = \(status), last_error = \(failure)
                    WHERE id = \(row.id)
                    """)
                logger.info(
                    "notification delivery failed; will retry",
                    metadata: metadata.merging(["reason": "\(failure ?? "")", "retry_in": "\(delay)"]) { $1 })
            }
        } catch {
            // The lease runs out and the row is tried again: at least once, never lost.
            logger.error("recording a notification outcome failed", metadata: metadata)
        }
    }

    /// The wait after failed attempt `attempt` (1-based): `baseDelay × 2^(attempt−1)`, capped at `maxDelay`, then
    /// scaled by a random factor in [0.5, 1] ("equal jitter") so that subscribers failing together do not retry
    /// in lockstep.
    public static func backoff(
        afterAttempt attempt: Int, configuration: Configuration, random: Double = Double.random(in: 0.5...1)
    ) -> Duration {
        let base = seconds(configuration.baseDelay)
        let capped = min(seconds(configuration.maxDelay), base * pow(2, Double(max(0, min(attempt - 1, 30)))))
        return .milliseconds(Int64((capped * random * 1000).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
