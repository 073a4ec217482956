import Foundation

/// VEN mode: Curtail as a VEN of an upstream utility VTN. Off unless `CURTAIL_VEN_UPSTREAM_URL` is set.
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `CURTAIL_VEN_UPSTREAM_URL` | the upstream VTN's base URL, prefix included (`https://vtn.example/openadr3/3.0.1`) | VEN mode off |
/// | `CURTAIL_VEN_CLIENT_ID`, `CURTAIL_VEN_CLIENT_SECRET` | OAuth 2 client credentials the utility issued | required in VEN mode |
/// | `CURTAIL_VEN_TOKEN_URL` | the token endpoint | discovered: `GET {base}/auth/server`'s `tokenURL`, else `{base}/auth/token` |
/// | `CURTAIL_VEN_NAME` | the `venName` to register (`[A-Za-z0-9_-]`, 1–128) | `curtail` |
/// | `CURTAIL_VEN_CALLBACK_URL` | the public URL of Curtail's `POST /openadr3/ven/notifications` | required in VEN mode |
/// | `CURTAIL_VEN_POLL_INTERVAL` | how often to poll the upstream's programs and events; a quarter of it (at least 1 s) while no notification has arrived for five intervals | `60s` |
public struct VENConfiguration: Sendable {
    /// The upstream base URL without a trailing slash.
    public var upstreamURL: String
    public var clientID: String
    /// Never logged, never stored: it is sent to the token endpoint and keys the webhook token's derivation.
    public var clientSecret: String
    public var tokenURL: String?
    public var venName: String
    public var callbackURL: String
    public var pollInterval: Duration

    public init(
        upstreamURL: String, clientID: String, clientSecret: String, tokenURL: String? = nil, venName: String = "curtail",
        callbackURL: String, pollInterval: Duration = .seconds(60)
    ) {
        self.upstreamURL = upstreamURL.hasSuffix("/") ? String(upstreamURL.dropLast()) : upstreamURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenURL = tokenURL
        self.venName = venName
        self.callbackURL = callbackURL
        self.pollInterval = pollInterval
    }

    /// The path of Curtail's webhook endpoint (VEN role).
    public static let notificationsPath = "/openadr3/ven/notifications"

    /// Reads the `CURTAIL_VEN_*` variables. - Returns: `nil` when `CURTAIL_VEN_UPSTREAM_URL` is unset.
    /// - Throws: ``CurtailConfiguration/Invalid`` naming the variable at fault (never quoting the secret).
    static func fromEnvironment(_ value: (String) -> String?) throws(CurtailConfiguration.Invalid) -> VENConfiguration? {
        guard let upstream = value("CURTAIL_VEN_UPSTREAM_URL") else { return nil }
        func httpURL(_ name: String, _ text: String) throws(CurtailConfiguration.Invalid) -> String {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else { throw CurtailConfiguration.Invalid(description: "\(name) must be an absolute http(s) URL, got \(text)") }
            return text
        }
        func required(_ name: String) throws(CurtailConfiguration.Invalid) -> String {
            guard let text = value(name) else { throw CurtailConfiguration.Invalid(description: "\(name) is required when CURTAIL_VEN_UPSTREAM_URL is set") }
            return text
        }
        let venName = value("CURTAIL_VEN_NAME") ?? "curtail"
        guard (1...128).contains(venName.utf8.count), venName.utf8.allSatisfy(Self.isNameByte) else {
            throw CurtailConfiguration.Invalid(description: "CURTAIL_VEN_NAME must be 1-128 characters of A-Z a-z 0-9 - _, got \(venName)")
        }
        let pollText = value("CURTAIL_VEN_POLL_INTERVAL") ?? "60s"
        guard let poll = CurtailConfiguration.parseDuration(pollText), poll >= .milliseconds(100) else {
            throw CurtailConfiguration.Invalid(description: "CURTAIL_VEN_POLL_INTERVAL must be a duration of at least 100ms, got \(pollText)")
        }
        let tokenURL = try value("CURTAIL_VEN_TOKEN_URL").map { text throws(CurtailConfiguration.Invalid) in try httpURL("CURTAIL_VEN_TOKEN_URL", text) }
        return VENConfiguration(
            upstreamURL: try httpURL("CURTAIL_VEN_UPSTREAM_URL", upstream), clientID: try required("CURTAIL_VEN_CLIENT_ID"),
            clientSecret: try required("CURTAIL_VEN_CLIENT_SECRET"), tokenURL: tokenURL, venName: venName,
            callbackURL: try httpURL("CURTAIL_VEN_CALLBACK_URL", try required("CURTAIL_VEN_CALLBACK_URL")), pollInterval: poll)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
    }
}
