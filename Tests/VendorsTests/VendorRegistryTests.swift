import HTTP
import Testing

@testable import Vendors

@Suite struct VendorRegistryTests {
    @Test func make_BuildsEachConfiguredVendor() async {
        let client = HTTPClient()
        let configuration = VendorConfiguration.fromEnvironment(
            [
                "TESLA_API_BASE": "http://127.0.0.1:9090", "TESLA_AUTH_URL": "http://127.0.0.1:9090/oauth2/v3/token",
                "TESLA_CLIENT_ID": "t", "SMARTCAR_API_BASE": "http://127.0.0.1:9090/v2.0/", "SMARTCAR_CLIENT_ID": "s",
                "SMARTCAR_CLIENT_SECRET": "x",
            ], client: client)
        let apis = VendorRegistry.make(configuration: configuration)
        #expect(Set(apis.keys) == [.tesla, .smartcar])
        let tesla = apis[.tesla] as? TeslaFleetAPI
        #expect(tesla?.apiBase == "http://127.0.0.1:9090")
        #expect(tesla?.commandBase == "http://127.0.0.1:9090")
        #expect((apis[.smartcar] as? SmartcarAPI)?.apiBase == "http://127.0.0.1:9090")
        #expect(apis[.smartcar]?.vendor == .smartcar)
        await client.shutdown()
    }

    @Test func make_SkipsVendorsWithoutClientCredentials() async {
        let client = HTTPClient()
        let apis = VendorRegistry.make(
            configuration: VendorConfiguration(teslaClientID: nil, smartcarClientID: "s", smartcarClientSecret: nil, client: client))
        #expect(apis.isEmpty)
        await client.shutdown()
    }
}
