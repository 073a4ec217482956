import Events
import Logging

extension CurtailApplication {
    /// The OpenADR store the VTN routes use, over this process's pool.
    public var openADRStore: OpenADRStore { OpenADRStore(pool: pool) }

    /// Delivers OpenADR webhook notifications from the shared outbox until the task is cancelled. Every Curtail
    /// process runs one; they share the queue through `FOR UPDATE SKIP LOCKED` (see ``NotificationDeliveryWorker``).
    public func runNotificationDelivery(
        configuration: NotificationDeliveryWorker.Configuration = NotificationDeliveryWorker.Configuration()
    ) async {
        var logger = self.logger
        logger[metadataKey: "worker"] = "notifications"
        await NotificationDeliveryWorker(
            pool: pool, transport: HTTPClientWebhookTransport(policy: self.configuration.webhookPolicy), configuration: configuration, logger: logger
        ).run()
    }
}
