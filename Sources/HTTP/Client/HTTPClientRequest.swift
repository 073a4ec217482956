/// A request for ``HTTPClient``: a method, an absolute `http://` or `https://` URL, headers and a body.
///
/// The client adds `Host` and `Content-Length`; `Connection: keep-alive` is implied by HTTP/1.1. Set
/// `Connection: close` to have the connection closed after this exchange.
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// `http://` or `https://`, then host[:port], then an optional /path and ?query. A #fragment is dropped.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The parts of a request URL the client acts on.
struct HTTPClientURL: Equatable {
    var secure: Bool
    /// The host as written, lowercased, without brackets for IPv6.
    var host: String
    var port: Int
    /// Origin form: `/path?query`.
    var target: String

    var poolKey: HTTPPoolKey { HTTPPoolKey(secure: secure, host: host, port: port) }

    /// The `Host` header value (RFC 9110 §7.2): the port only when not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    init(parsing url: String) throws(HTTPClientError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else {
            throw HTTPClientError(.invalidURL, "the scheme must be http or https")
        }
        let withoutFragment = rest.prefix { $0 != "#" }
        let authorityEnd = withoutFragment.firstIndex { $0 == "/" || $0 == "?" } ?? withoutFragment.endIndex
        let authority = withoutFragment[..<authorityEnd]
        // Credentials in URLs end up in logs: refuse them.
        guard !authority.isEmpty, !authority.contains("@") else { throw HTTPClientError(.invalidURL, "invalid authority") }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HTTPClientError(.invalidURL, "unterminated IPv6 literal") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw HTTPClientError(.invalidURL, "invalid authority") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty,
            hostPart.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "/") })
        else { throw HTTPClientError(.invalidURL, "invalid host") }
        host = hostPart.lowercased()
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let port = Int(portPart), (1...65535).contains(port)
            else { throw HTTPClientError(.invalidURL, "invalid port") }
            self.port = port
        } else {
            port = secure ? 443 : 80
        }
        var target = String(withoutFragment[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        // The target goes on the request line verbatim: no spaces or controls (RFC 9112 §3.2).
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw HTTPClientError(.invalidURL, "the path or query holds spaces or non-ASCII bytes; percent-encode them")
        }
        self.target = target
    }
}

/// Connections are pooled per scheme, host and port.
struct HTTPPoolKey: Hashable, Sendable, CustomStringConvertible {
    var secure: Bool
    var host: String
    var port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

enum HTTPRequestEncoder {
    /// Serialises a request (RFC 9112 §3): request line, `Host`, the caller's headers, `Content-Length`, body.
    static func encode(_ request: HTTPClientRequest, url: HTTPClientURL) throws(HTTPClientError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.body.count)
        guard !request.method.rawValue.isEmpty, request.method.rawValue.utf8.allSatisfy(HTTPHeadParser.isTokenByte) else {
            throw HTTPClientError(.invalidRequest, host: url.poolKey.description, "the method is not a token")
        }
        out.append(contentsOf: "\(request.method.rawValue) \(url.target) HTTP/1.1\r\n".utf8)
        out.append(contentsOf: "Host: \(url.hostHeader)\r\n".utf8)
        for (name, value) in request.headers {
            // The client owns framing and Host; a caller's copy could contradict them (request smuggling).
            if name.caseInsensitiveEquals("Host") || name.caseInsensitiveEquals("Content-Length")
                || name.caseInsensitiveEquals("Transfer-Encoding")
            {
                continue
            }
            // Refuse rather than repair: a CR or LF in a value would end the head early (header injection).
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPHeadParser.isTokenByte),
                value.utf8.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7f) })
            else { throw HTTPClientError(.invalidRequest, host: url.poolKey.description, "a header name or value is not sendable") }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        // RFC 9110 §8.6: send Content-Length when there is a body, or when the method expects one.
        let expectsBody = request.method == .post || request.method == .put || request.method == .patch
        if !request.body.isEmpty || expectsBody {
            out.append(contentsOf: "Content-Length: \(request.body.count)\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: request.body)
        return out
    }
}

extension HTTPMethod {
    /// Safe to send twice (RFC 9110 §9.2.2), so a request that died on a stale connection may be retried.
    var isIdempotent: Bool {
        self == .get || self == .head || self == .put || self == .delete || self == .options
    }
}
