import HTTP
import Logging

extension CurtailApplication {
    /// Runs VEN mode (``VENAgent``) until the task is cancelled; returns at once when `CURTAIL_VEN_UPSTREAM_URL`
    /// is unset. Every process may run it: a lease in `ven_links` lets one at a time sync.
    public func runVEN() async {
        guard let ven = configuration.ven else { return }
        var logger = self.logger
        logger[metadataKey: "worker"] = "ven"
        let client = HTTPClient()
        await VENAgent(pool: pool, upstream: UpstreamVTN(configuration: ven, client: client), serializer: venSerializer, logger: logger).run()
        await client.shutdown()
    }
}
