import Events
import Foundation
import HTTP
import Logging
import OpenADR
import Testing

/// The SSRF policy on subscription callbacks: refused at creation (400) and again at delivery.
@Suite struct VTNWebhookPolicyTests {
    static func subscription(programID: String, callbackUrl: String) -> Subscription {
        Subscription(
            clientName: "a", programID: programID,
            objectOperations: [ObjectOperation(objects: [.event], operations: [.create], callbackUrl: callbackUrl)])
    }

    @Test func callbacksToInternalAddresses_AreRefusedWith400_AtCreateAndReplace() async throws {
        try await VTN.run(webhookAllowList: "") { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let refused = [
                "http://127.0.0.1:8080/cb", "http://localhost/cb", "http://api.localhost/cb", "http://[::1]/cb",
                "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/cb", "http://192.168.0.10/cb",
                "http://172.16.0.1/cb", "http://0.0.0.0/cb", "http://224.0.0.1/cb", "http://[fe80::1]/cb",
                "http://[fd00::1]/cb", "http://[::ffff:127.0.0.1]/cb", "http://2130706433/cb", "http://127.1/cb",
                "ftp://example.net/cb", "file:///etc/passwd",
            ]
            for url in refused {
                let response = try await vtn.send(
                    "POST", "/subscriptions", token: token, json: Self.subscription(programID: program.id!, callbackUrl: url))
                #expect(response.status == 400, "\(url): \(response.text)")
                #expect(response.pointers == ["/objectOperations/0/callbackUrl"], "\(url): \(response.text)")
                #expect(response.headers["content-type"] == "application/problem+json", "\(url)")
            }
            let stored = try await vtn.pool.query("SELECT count(*) AS n FROM subscriptions")
            #expect(try stored[0].decode(Int.self, column: "n") == 0, "nothing is stored")

            let made = try await vtn.send(
                "POST", "/subscriptions", token: token,
                json: Self.subscription(programID: program.id!, callbackUrl: "https://utility.example.net/cb"))
            #expect(made.status == 201, "\(made.text)")
            let id = try made.decode(Subscription.self).id!
            let replaced = try await vtn.send(
                "PUT", "/subscriptions/\(id)", token: token,
                json: Self.subscription(programID: program.id!, callbackUrl: "http://169.254.169.254/"))
            #expect(replaced.status == 400, "\(replaced.text)")
            #expect(replaced.pointers == ["/objectOperations/0/callbackUrl"])
        }
    }

    /// A callback the API accepted (allowed then, or a name whose DNS answer changed) is still refused by a
    /// delivery worker whose policy does not permit the address it resolves to: nothing reaches the subscriber.
    @Test func delivery_RefusesAddressesThePolicyDoesNotPermit() async throws {
        try await VTN.run { vtn in
            let subscriber = try Subscriber(failures: 0)
            defer { Task { [server = subscriber.server] in await server.shutdown(gracePeriod: .seconds(1)) } }
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            // `localhost` is a name: the worker judges the address it resolves to.
            let url = subscriber.url("a").replacingOccurrences(of: "127.0.0.1", with: "localhost")
            let made = try await vtn.send(
                "POST", "/subscriptions", token: token, json: Self.subscription(programID: program.id!, callbackUrl: url))
            #expect(made.status == 201, "\(made.text)")
            var configuration = VTNNotificationTests.fastWorker
            configuration.maxAttempts = 1
            let worker = NotificationDeliveryWorker(pool: vtn.pool, transport: HTTPClientWebhookTransport(), configuration: configuration)
            _ = try await vtn.createEvent(token: token, programID: program.id!)
            #expect(try await worker.deliverDue() == 1)
            let row = try await vtn.pool.query("SELECT last_error, failed_at IS NOT NULL AS failed FROM notification_outbox")
            #expect(try row[0].decode(String?.self, column: "last_error") == "destinationRefused")
            #expect(try row[0].decode(Bool.self, column: "failed"))
            #expect(subscriber.received.isEmpty)
        }
    }
}
