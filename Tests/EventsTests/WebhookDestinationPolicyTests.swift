import Events
import HTTP
import Testing

@Suite struct WebhookDestinationPolicyTests {
    @Test func publicOnly_RefusesInternalLiterals_AndLocalhost_AcceptsPublicAndNames() {
        let policy = WebhookDestinationPolicy.publicOnly
        for url in [
            "http://127.0.0.1/cb", "https://[::1]:8443/cb", "http://LOCALHOST/cb", "http://localhost./cb", "http://x.localhost/",
            "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fd00::1]/", "http://0.0.0.0/",
            "http://2130706433/", "http://0x7f000001/", "http://239.1.1.1/", "gopher://example.net/", "file:///etc/passwd",
            "javascript:alert(1)", "http:///nohost",
        ] {
            #expect(policy.rejection(forCallbackURL: url) != nil, "\(url)")
        }
        for url in ["https://utility.example.net/cb", "http://8.8.8.8:8080/cb", "https://[2606:4700::1111]/", "HTTPS://Example.NET/"] {
            #expect(policy.rejection(forCallbackURL: url) == nil, "\(url)")
        }
    }

    @Test func allowList_PermitsExactlyItsNetworks() throws {
        let policy = try #require(WebhookDestinationPolicy.parse(allowList: "127.0.0.0/8, ::1/128 10.20.0.0/16"))
        #expect(policy.allowedNetworks.count == 3)
        #expect(policy.rejection(forCallbackURL: "http://127.0.0.1:9000/cb") == nil)
        #expect(policy.rejection(forCallbackURL: "http://localhost:9000/cb") == nil)
        #expect(policy.rejection(forCallbackURL: "http://[::1]/cb") == nil)
        #expect(policy.rejection(forCallbackURL: "http://10.20.3.4/cb") == nil)
        #expect(policy.rejection(forCallbackURL: "http://10.21.0.1/cb") != nil)
        #expect(policy.rejection(forCallbackURL: "http://169.254.169.254/") != nil)
        let (allowed, refused) = (try #require(IPAddress("127.0.0.2")), try #require(IPAddress("192.168.0.1")))
        #expect(policy.permits(allowed))
        #expect(!policy.permits(refused))
        #expect(WebhookDestinationPolicy.parse(allowList: "")?.allowedNetworks.isEmpty == true)
        #expect(WebhookDestinationPolicy.parse(allowList: "127.0.0.0/8,bogus") == nil)
    }
}
