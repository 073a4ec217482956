import Foundation
import HTTP

/// Where webhook notifications may be sent: Curtail POSTs to URLs its clients give it, so an unchecked
/// `callbackUrl` would let a client make Curtail reach its own machine, its link (cloud metadata at
/// 169.254.169.254) or the operator's private networks (SSRF).
///
/// Only `http` and `https` URLs are delivered to, and only to globally routable addresses (``IPAddress/Scope``):
/// loopback, link-local, private, carrier-grade NAT, unspecified, multicast and reserved addresses are refused
/// unless they lie in one of ``allowedNetworks`` (the operator's `CURTAIL_WEBHOOK_ALLOW_NETWORKS`). The rule is
/// applied twice: to a literal address in the URL when a subscription is created or replaced (400), and to the
/// address a host name actually resolves to when each notification is delivered (DNS answers can change).
public struct WebhookDestinationPolicy: Sendable {
    /// Networks permitted despite their scope, e.g. `127.0.0.0/8` for a subscriber on the same host.
    public var allowedNetworks: [IPNetwork]

    public init(allowedNetworks: [IPNetwork] = []) { self.allowedNetworks = allowedNetworks }

    /// The default: public destinations only.
    public static let publicOnly = WebhookDestinationPolicy()

    /// The environment variable holding the allow-list.
    public static let environmentVariable = "CURTAIL_WEBHOOK_ALLOW_NETWORKS"

    /// Parses a comma- or space-separated list of CIDR blocks (`127.0.0.0/8, ::1/128, 10.1.0.0/16`); a bare address
    /// is one host. - Returns: nil when an entry is malformed.
    public static func parse(allowList text: String) -> WebhookDestinationPolicy? {
        var networks: [IPNetwork] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let network = IPNetwork(String(entry)) else { return nil }
            networks.append(network)
        }
        return WebhookDestinationPolicy(allowedNetworks: networks)
    }

    /// Whether a connection to `address` is permitted.
    public func permits(_ address: IPAddress) -> Bool {
        address.scope == .global || allowedNetworks.contains { $0.contains(address) }
    }

    /// Why `callbackURL` is refused before any DNS lookup, or nil when it may be accepted (a host name is judged
    /// again, by its resolved address, at delivery): a scheme other than http(s), no host, `localhost` or a
    /// `.localhost` name (RFC 6761: always loopback), or a literal address the policy does not permit.
    public func rejection(forCallbackURL callbackURL: String) -> String? {
        guard let url = URL(string: callbackURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return "must be an http or https URL" }
        guard var host = url.host?.lowercased(), !host.isEmpty else { return "must name a host" }
        if host.hasSuffix(".") { host.removeLast() }
        if let address = IPAddress(host) {
            return permits(address)
                ? nil : "must not point at a \(Self.name(address.scope)) address (\(address)); ask the operator to allow it"
        }
        if host == "localhost" || host.hasSuffix(".localhost") {
            return permits(IPAddress("127.0.0.1")!) || permits(IPAddress("::1")!)
                ? nil : "must not point at a loopback address (localhost); ask the operator to allow it"
        }
        return nil
    }

    private static func name(_ scope: IPAddress.Scope) -> String {
        switch scope {
        case .global: "public"
        case .unspecified: "unspecified"
        case .loopback: "loopback"
        case .linkLocal: "link-local"
        case .privateNetwork: "private-network"
        case .multicast: "multicast"
        case .reserved: "reserved"
        }
    }
}
