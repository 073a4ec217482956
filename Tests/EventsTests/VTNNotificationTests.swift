import Events
import Foundation
import HTTP
import Logging
import OpenADR
import Postgres
import Synchronization
import Testing

/// A subscriber over real HTTP: records each callback and fails the first `failures` with 500.
final class Subscriber: Sendable {
    struct Received: Sendable {
        let path: String
        let authorization: String?
        let contentType: String?
        let body: [UInt8]
    }

    /// Owns the recorded state's lock, so the route handler can share it.
    final class Recorder: Sendable {
        let state: Mutex<(received: [Received], failuresLeft: Int)>
        init(failures: Int) { state = Mutex(([], failures)) }
    }

    private let recorder: Recorder
    let server: HTTPServer
    let port: Int

    init(failures: Int) throws {
        let recorder = Recorder(failures: failures)
        var router = Router()
        router.post("/callbacks/:name") { request, _ in
            let fail = recorder.state.withLock { state in
                state.received.append(
                    Received(
                        path: request.path, authorization: request.headers["Authorization"],
                        contentType: request.headers["Content-Type"], body: request.body))
                guard state.failuresLeft > 0 else { return false }
                state.failuresLeft -= 1
                return true
            }
            return fail ? .text("try later", status: .internalServerError) : .text("ok")
        }
        self.recorder = recorder
        var logger = Logger(label: "test.subscriber")
        logger.logLevel = .warning
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: router.buildResponder(),
            logger: logger)
        port = try server.start().port
    }

    var received: [Received] { recorder.state.withLock { $0.received } }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/callbacks/\(name)" }

    /// Waits up to `timeout` for at least `count` callbacks.
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = self.received
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(20))
        }
        return received
    }
}

@Suite struct VTNNotificationTests {
    static let fastWorker = NotificationDeliveryWorker.Configuration(
        maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1), pollInterval: .milliseconds(25),
        requestTimeout: .seconds(5), batchSize: 8, lease: .seconds(30))

    /// Runs a delivery worker for the duration of `body`.
    static func withWorker(_ vtn: VTN, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "test.worker")
        logger.logLevel = .warning
        let worker = NotificationDeliveryWorker(pool: vtn.pool, transport: VTN.loopbackTransport, configuration: fastWorker, logger: logger)
        let task = Task { await worker.run() }
        defer { task.cancel() }
        try await body()
    }

    @Test func eventCreate_NotifiesSubscriber_WithBearerToken_RetryingAfter500s() async throws {
        try await VTN.run { vtn in
            let subscriber = try Subscriber(failures: 2)
            defer { Task { [server = subscriber.server] in await server.shutdown(gracePeriod: .seconds(1)) } }
            let utility = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: utility)

            var subscription: Subscription = try VTN.example("subscription.json")
            subscription.programID = program.id!
            subscription.objectOperations[0].callbackUrl = subscriber.url("events")
            subscription.objectOperations[1].callbackUrl = subscriber.url("programs")
            let made = try await vtn.send("POST", "/subscriptions", token: utility, json: subscription)
            #expect(made.status == 201, "\(made.text)")

            try await Self.withWorker(vtn) {
                let started = ContinuousClock.now
                let event = try await vtn.createEvent(token: utility, programID: program.id!)
                let received = try await subscriber.waitFor(3)
                #expect(received.count == 3, "two 500s, then a 200")
                #expect(ContinuousClock.now - started < .seconds(10))
                for callback in received {
                    #expect(callback.path == "/callbacks/events")
                    #expect(callback.authorization == "Bearer c7Jq2mZr9TfLx4WbN0aE5sVd")
                    #expect(callback.contentType == "application/json")
                    let notification = try OpenADRJSON.decode(OpenADR.Notification.self, from: Data(callback.body))
                    #expect(notification.objectType == .event)
                    #expect(notification.operation == .post)
                    #expect(notification.object == .event(event))
                    #expect(notification.targets == event.targets)
                }
                // The worker records the outcome just after the subscriber answers: wait for it.
                var row = try await vtn.pool.query("SELECT 1")
                for _ in 0..<200 {
                    row = try await vtn.pool.query(
                        """
                        SELECT attempts, delivered_at IS NOT NULL AS delivered, bearer_token IS NULL AS token_erased
                        FROM notification_outbox
                        """)
                    if try row.count == 1 && row[0].decode(Bool.self, column: "delivered") { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(row.count == 1)
                #expect(try row[0].decode(Int.self, column: "attempts") == 3)
                #expect(try row[0].decode(Bool.self, column: "delivered"))
                #expect(try row[0].decode(Bool.self, column: "token_erased"))

                // Update and delete notify too (PUT and DELETE), to the same callback.
                var update: Event = try VTN.example("event-cancel-update.json")
                update.programID = program.id!
                #expect(try await vtn.send("PUT", "/events/\(event.id!)", token: utility, json: update).status == 200)
                #expect(try await vtn.send("DELETE", "/events/\(event.id!)", token: utility).status == 200)
                let all = try await subscriber.waitFor(5)
                let operations = try all.dropFirst(3).map {
                    try OpenADRJSON.decode(OpenADR.Notification.self, from: Data($0.body)).operation
                }
                #expect(Set(operations) == [.put, .delete])

                // The program subscription wants UPDATE and DELETE only: the program PUT reaches /callbacks/programs.
                var changed = program.withoutVTNFields
                changed.programLongName = "changed"
                #expect(
                    try await vtn.send("PUT", "/programs/\(program.id!)", token: utility, json: changed).status == 200)
                let withProgram = try await subscriber.waitFor(6)
                #expect(
                    withProgram.map(\.path).filter { $0 == "/callbacks/programs" }.count == 1,
                    "\(withProgram.map(\.path))")
            }
        }
    }

    @Test func subscriptionTargets_FilterNotifications_AndOtherTenantsHearNothing() async throws {
        try await VTN.run { vtn in
            let subscriber = try Subscriber(failures: 0)
            defer { Task { [server = subscriber.server] in await server.shutdown(gracePeriod: .seconds(1)) } }
            let utilityA = try await vtn.token("utility-a", VTN.businessLogic)
            let utilityB = try await vtn.token("utility-b", VTN.businessLogic)
            let programA = try await vtn.createProgram(token: utilityA)
            let programB = try await vtn.createProgram(token: utilityB)

            // A listens for fleet-a events only; B listens to everything in its own program.
            let onlyFleetA = Subscription(
                clientName: "a", programID: programA.id!,
                objectOperations: [
                    ObjectOperation(objects: [.event], operations: [.post], callbackUrl: subscriber.url("a"))
                ],
                targets: [ValuesMap(.group, ["fleet-a"])])
            #expect(try await vtn.send("POST", "/subscriptions", token: utilityA, json: onlyFleetA).status == 201)
            let everythingB = Subscription(
                clientName: "b", programID: programB.id!,
                objectOperations: [
                    ObjectOperation(
                        objects: [.event, .program], operations: [.create, .update, .delete],
                        callbackUrl: subscriber.url("b"))
                ])
            #expect(try await vtn.send("POST", "/subscriptions", token: utilityB, json: everythingB).status == 201)

            try await Self.withWorker(vtn) {
                _ = try await vtn.createEvent(token: utilityA, programID: programA.id!, groups: ["fleet-b"])
                let wanted = try await vtn.createEvent(
                    token: utilityA, programID: programA.id!, groups: ["fleet-a", "x"])
                let received = try await subscriber.waitFor(1)
                try await Task.sleep(for: .milliseconds(300))
                #expect(subscriber.received.count == 1)
                let notification = try OpenADRJSON.decode(OpenADR.Notification.self, from: Data(received[0].body))
                #expect(notification.object == .event(wanted))
                #expect(received[0].path == "/callbacks/a")
                #expect(received[0].authorization == nil)
            }
            let queued = try await vtn.pool.query("SELECT count(*) AS n FROM notification_outbox")
            #expect(try queued[0].decode(Int.self, column: "n") == 1)
        }
    }

    @Test func undeliverable_IsAbandonedAfterMaxAttempts() async throws {
        try await VTN.run { vtn in
            let subscriber = try Subscriber(failures: 100)
            defer { Task { [server = subscriber.server] in await server.shutdown(gracePeriod: .seconds(1)) } }
            let utility = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: utility)
            let subscription = Subscription(
                clientName: "a", programID: program.id!,
                objectOperations: [
                    ObjectOperation(
                        objects: [.event], operations: [.create], callbackUrl: subscriber.url("a"),
                        bearerToken: "secret-token")
                ])
            #expect(try await vtn.send("POST", "/subscriptions", token: utility, json: subscription).status == 201)
            var configuration = Self.fastWorker
            configuration.maxAttempts = 3
            configuration.baseDelay = .milliseconds(20)
            let worker = NotificationDeliveryWorker(pool: vtn.pool, transport: VTN.loopbackTransport, configuration: configuration)
            _ = try await vtn.createEvent(token: utility, programID: program.id!)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                try await worker.deliverDue()
                let done = try await vtn.pool.query(
                    "SELECT count(*) AS n FROM notification_outbox WHERE failed_at IS NOT NULL")
                if try done[0].decode(Int.self, column: "n") == 1 { break }
                try await Task.sleep(for: .milliseconds(30))
            }
            #expect(subscriber.received.count == 3)
            let row = try await vtn.pool.query(
                "SELECT attempts, last_status, bearer_token IS NULL AS erased, failed_at IS NOT NULL AS failed FROM notification_outbox"
            )
            #expect(try row[0].decode(Int.self, column: "attempts") == 3)
            #expect(try row[0].decode(Int.self, column: "last_status") == 500)
            #expect(try row[0].decode(Bool.self, column: "erased"))
            #expect(try row[0].decode(Bool.self, column: "failed"))
        }
    }

    @Test func redirects_AreNotFollowed_AndFinishedRowsAreSwept() async throws {
        try await VTN.run { vtn in
            let followed = Subscriber.Recorder(failures: 0)
            var router = Router()
            router.post("/moved") { _, _ in
                HTTPResponse(status: HTTPStatus(code: 307), headers: ["Location": "/target"])
            }
            router.post("/target") { request, _ in
                followed.state.withLock {
                    $0.received.append(.init(path: request.path, authorization: nil, contentType: nil, body: []))
                }
                return .text("ok")
            }
            let server = HTTPServer(
                configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: router.buildResponder(),
                logger: Logger(label: "test.redirect"))
            let port = try server.start().port
            defer { Task { await server.shutdown(gracePeriod: .seconds(1)) } }

            let utility = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: utility)
            let subscription = Subscription(
                clientName: "a", programID: program.id!,
                objectOperations: [
                    ObjectOperation(
                        objects: [.event], operations: [.create], callbackUrl: "http://127.0.0.1:\(port)/moved")
                ])
            #expect(try await vtn.send("POST", "/subscriptions", token: utility, json: subscription).status == 201)
            var configuration = Self.fastWorker
            configuration.maxAttempts = 1
            configuration.retention = .zero
            let worker = NotificationDeliveryWorker(pool: vtn.pool, transport: VTN.loopbackTransport, configuration: configuration)
            _ = try await vtn.createEvent(token: utility, programID: program.id!)
            #expect(try await worker.deliverDue() == 1)
            let row = try await vtn.pool.query(
                "SELECT last_status, failed_at IS NOT NULL AS failed FROM notification_outbox")
            #expect(try row[0].decode(Int.self, column: "last_status") == 307)
            #expect(try row[0].decode(Bool.self, column: "failed"))
            #expect(followed.state.withLock { $0.received.isEmpty }, "a redirect is a failed delivery, never followed")
            #expect(try await worker.sweep() == 1)
        }
    }

    @Test func backoff_DoublesWithJitter_AndIsCapped() {
        let configuration = NotificationDeliveryWorker.Configuration(baseDelay: .seconds(2), maxDelay: .seconds(60))
        #expect(
            NotificationDeliveryWorker.backoff(afterAttempt: 1, configuration: configuration, random: 1) == .seconds(2))
        #expect(
            NotificationDeliveryWorker.backoff(afterAttempt: 3, configuration: configuration, random: 1) == .seconds(8))
        #expect(
            NotificationDeliveryWorker.backoff(afterAttempt: 3, configuration: configuration, random: 0.5)
                == .seconds(4))
        #expect(
            NotificationDeliveryWorker.backoff(afterAttempt: 20, configuration: configuration, random: 1)
                == .seconds(60))
    }
}
