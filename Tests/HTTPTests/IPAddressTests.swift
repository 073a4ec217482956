import HTTP
import Testing

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("8.8.8.8", IPAddress.Scope.global), ("1.1.1.1", .global), ("93.184.216.34", .global),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("10.0.0.1", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
        ("192.168.1.1", .privateNetwork), ("100.64.0.1", .privateNetwork), ("fd12:3456::1", .privateNetwork),
        ("fc00::1", .privateNetwork), ("fec0::1", .privateNetwork),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved), ("192.0.2.1", .reserved), ("2001:db8::1", .reserved),
        ("172.15.255.255", .global), ("172.32.0.1", .global), ("100.63.255.255", .global), ("100.128.0.1", .global),
        ("169.253.1.1", .global), ("2606:4700::1111", .global),
        // IPv6 forms that carry an IPv4 address are judged by it.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:8.8.8.8", .global),
        ("64:ff9b::a00:1", .privateNetwork), ("::127.0.0.1", .loopback),
        // The numeric forms getaddrinfo (and so a connect) accepts.
        ("127.1", .loopback), ("2130706433", .loopback), ("0x7f.0.0.1", .loopback), ("[::1]", .loopback),
    ])
    func scope(_ text: String, _ expected: IPAddress.Scope) throws {
        let address = try #require(IPAddress(text), "\(text) parses")
        #expect(address.scope == expected, "\(text) → \(address)")
    }

    @Test(arguments: ["", "localhost", "example.net", "1.2.3.4.5", "::g", "256.1.1.1", "[::1"])
    func nonNumericHosts_DoNotParse(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    /// Parses a literal the test knows to be valid.
    private func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text), "\(text)") }
    private func net(_ text: String) throws -> IPNetwork { try #require(IPNetwork(text), "\(text)") }

    @Test func networks_ContainTheirAddresses_PerFamily() throws {
        let loopback = try net("127.0.0.0/8")
        let (inside, outside, v6) = (try ip("127.9.8.7"), try ip("128.0.0.1"), try ip("::1"))
        #expect(loopback.contains(inside))
        #expect(!loopback.contains(outside))
        #expect(!loopback.contains(v6), "another family is never contained")
        let odd = try net("10.1.2.0/23")
        let (edge, beyond) = (try ip("10.1.3.255"), try ip("10.1.4.0"))
        #expect(odd.contains(edge))
        #expect(!odd.contains(beyond))
        let host = try net("::1")
        #expect(host.prefixLength == 128 && host.contains(v6))
        let (everything, anyAddress) = (try net("0.0.0.0/0"), try ip("203.0.113.9"))
        #expect(everything.contains(anyAddress))
        let (ula, member) = (try net("fd00::/8"), try ip("fdff::1"))
        #expect(ula.contains(member))
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "nonsense/8", ""] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    @Test func description_IsTheCanonicalText() throws {
        #expect(try ip("2130706433").description == "127.0.0.1")
        #expect(try ip("[0:0:0:0:0:0:0:1]").description == "::1")
    }
}
