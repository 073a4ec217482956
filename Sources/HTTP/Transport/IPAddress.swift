#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, for deciding where outbound connections may go.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Network byte order; 4 or 16 bytes.
    public let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a numeric host in every form `getaddrinfo` accepts as numeric (so `127.1`, `2130706433` and
    /// `0x7f.0.0.1` are recognised as 127.0.0.1, as a connect would), IPv6 with or without brackets. No DNS.
    public init?(_ text: String) {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.utf8.contains(0) else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let address = Self(sockaddr: first.pointee.ai_addr) else { return nil }
        self = address
    }

    /// The address in a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    init?(sockaddr pointer: UnsafePointer<sockaddr>?) {
        guard let pointer else { return nil }
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let v4 = UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr_in.self).pointee
            var address = v4.sin_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        case AF_INET6:
            let v6 = UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr_in6.self).pointee
            var address = v6.sin6_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        default:
            return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// What kind of destination this is. Everything but `.global` is a network a server-side request must not
    /// reach on a client's say-so (SSRF): the machine itself, its link, private networks, or no single host.
    public enum Scope: String, Sendable, CaseIterable {
        /// Publicly routable.
        case global
        /// `0.0.0.0/8`, `::`.
        case unspecified
        /// `127.0.0.0/8`, `::1`.
        case loopback
        /// `169.254.0.0/16` (cloud metadata services live here), `fe80::/10`.
        case linkLocal
        /// `10/8`, `172.16/12`, `192.168/16`, `100.64/10` (carrier-grade NAT), `fc00::/7`, `fec0::/10`.
        case privateNetwork
        /// `224.0.0.0/4`, `ff00::/8`.
        case multicast
        /// IETF protocol assignments, benchmarking, documentation, `240.0.0.0/4`, broadcast.
        case reserved
    }

    /// The scope; IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible and NAT64 (`64:ff9b::/96`) IPv6 addresses are
    /// judged by the IPv4 address they carry.
    public var scope: Scope {
        if isIPv4 { return Self.scopeV4(bytes) }
        let b = bytes
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? .loopback : (b[15] == 0 ? .unspecified : .reserved) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Self.scopeV4(Array(b[12..<16])) }
        if b[0..<12].allSatisfy({ $0 == 0 }) { return Self.scopeV4(Array(b[12..<16])) }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return Self.scopeV4(Array(b[12..<16]))
        }
        if b[0] == 0xff { return .multicast }
        if b[0] == 0xfe && (b[1] & 0xc0) == 0x80 { return .linkLocal }
        if b[0] == 0xfe && (b[1] & 0xc0) == 0xc0 { return .privateNetwork }
        if (b[0] & 0xfe) == 0xfc { return .privateNetwork }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved }  // 2001:db8::/32, documentation
        return .global
    }

    private static func scopeV4(_ b: [UInt8]) -> Scope {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (169, 254, _): return .linkLocal
        case (10, _, _), (192, 168, _): return .privateNetwork
        case (172, let x, _) where (16...31).contains(x): return .privateNetwork
        case (100, let x, _) where (64...127).contains(x): return .privateNetwork
        case (let x, _, _) where (224...239).contains(x): return .multicast
        case (let x, _, _) where x >= 240: return .reserved  // 240/4 and 255.255.255.255
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return .reserved
        case (198, let x, _) where x == 18 || x == 19: return .reserved
        default: return .global
        }
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = bytes
        _ = inet_ntop(isIPv4 ? AF_INET : AF_INET6, &raw, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A CIDR block such as `10.0.0.0/8` or `fd00::/8`.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix`; a bare address is a single host. Nil when malformed or the prefix is out of range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : maximum
        guard let length, (0...maximum).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `candidate` (of the same family) lies in this block.
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address.bytes, candidate.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if mine & mask != theirs & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
