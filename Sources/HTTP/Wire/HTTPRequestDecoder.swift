/// Turns a stream of bytes from one connection into complete requests, in order.
///
/// Feed bytes with ``append(_:)`` and pull requests with ``next()``; pipelined requests come out one by one.
/// Every size is bounded by ``HTTPLimits``; a violation throws ``HTTPParseError`` carrying the status to answer
/// with, after which the connection must be closed (its framing can no longer be trusted).
public struct HTTPRequestDecoder {
    private struct Head {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
    }

    private enum State {
        case head
        case body(Head, BodyFraming)
        case chunked(Head, ChunkedBodyDecoder, HTTPLimits)
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var cursor = 0
    private var scanned = 0
    private var state = State.head
    private var continuePending = false

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        // Drop consumed bytes before growing, so a long-lived keep-alive connection's buffer stays small.
        if cursor > 0 && cursor == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanned = 0
            cursor = 0
        } else if cursor > 64 * 1024 {
            buffer.removeFirst(cursor)
            scanned -= cursor
            cursor = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// Bytes received and not yet consumed by a complete request.
    public var bufferedByteCount: Int { buffer.count - cursor }

    /// Whether a request has begun arriving but is not complete.
    public var isMidRequest: Bool {
        if case .head = state { return bufferedByteCount > 0 }
        return true
    }

    /// Whether the head in progress has been read and its body is awaited.
    public var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    /// Returns `true` once per request whose head asked for `Expect: 100-continue` and whose body has not
    /// fully arrived: the server should send `100 Continue` now (RFC 9110 §10.1.1).
    public mutating func takeContinueRequest() -> Bool {
        defer { continuePending = false }
        return continuePending
    }

    /// The next complete request, or `nil` until more bytes arrive.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        while true {
            switch state {
            case .head:
                guard let head = try parseHead() else { return nil }
                let bodyLimits = limits.forTarget(head.target)
                guard let framing = try HTTPHeadParser.bodyFraming(head.headers, version: head.version, limits: bodyLimits) else {
                    return HTTPRequest(method: head.method, target: head.target, version: head.version, headers: head.headers)
                }
                if head.headers.hasToken("100-continue", in: "Expect") && head.version == .http11 { continuePending = true }
                state = framing == .chunked ? .chunked(head, ChunkedBodyDecoder(), bodyLimits) : .body(head, framing)
            case .body(let head, .length(let length)):
                guard buffer.count - cursor >= length else { return nil }
                let body = Array(buffer[cursor..<cursor + length])
                cursor += length
                return finish(head, body: body)
            case .body:
                preconditionFailure("requests are framed by length or chunks only")
            case .chunked(let head, var decoder, let bodyLimits):
                let complete = try decoder.decode(buffer, cursor: &cursor, limits: bodyLimits)
                guard complete else {
                    state = .chunked(head, decoder, bodyLimits)
                    return nil
                }
                var head = head
                head.headers.remove("Transfer-Encoding")
                head.headers["Content-Length"] = String(decoder.body.count)
                return finish(head, body: decoder.body)
            }
        }
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> HTTPRequest {
        state = .head
        continuePending = false
        scanned = cursor
        return HTTPRequest(method: head.method, target: head.target, version: head.version, headers: head.headers, body: body)
    }

    private mutating func parseHead() throws(HTTPParseError) -> Head? {
        // Tolerate empty lines before a request line (RFC 9112 §2.2), as clients may send one after a body.
        while buffer.count - cursor >= 2 && buffer[cursor] == HTTPHeadParser.cr && buffer[cursor + 1] == HTTPHeadParser.lf {
            cursor += 2
        }
        let scanStart = max(cursor, scanned - 3)
        guard let end = HTTPHeadParser.headEnd(in: buffer, from: cursor, scanFrom: &scanned) else {
            // A head delimited by bare LFs never shows a CRLF CRLF: refuse it now, not at the header deadline.
            if let lf = HTTPHeadParser.firstBareLF(in: buffer, from: scanStart, headStart: cursor) {
                throw HTTPParseError(.badRequest, "bare LF at byte \(lf - cursor) of the message head (CRLF required, RFC 9112 §2.2)")
            }
            let pending = buffer.count - cursor
            if !buffer[cursor...].prefix(limits.maxRequestLineBytes + 1).contains(HTTPHeadParser.lf) && pending > limits.maxRequestLineBytes {
                throw HTTPParseError(.uriTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
            }
            if pending > limits.maxHeaderBytes {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "header block larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        guard end - cursor <= limits.maxHeaderBytes else {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "header block larger than \(limits.maxHeaderBytes) bytes")
        }
        let lines = try HTTPHeadParser.lines(buffer[cursor..<end])
        cursor = end
        scanned = end
        guard let requestLine = lines.first else { throw HTTPParseError(.badRequest, "empty request") }
        guard requestLine.count <= limits.maxRequestLineBytes else {
            throw HTTPParseError(.uriTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
        }
        // request-line = method SP request-target SP HTTP-version, single spaces only (RFC 9112 §3).
        let parts = requestLine.split(separator: HTTPHeadParser.sp, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(HTTPHeadParser.isTokenByte), !parts[1].isEmpty,
            parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else { throw HTTPParseError(.badRequest, "malformed request line") }
        let version = try HTTPHeadParser.version(parts[2])
        let method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        var headers = try HTTPHeadParser.fields(lines.dropFirst(), limits: limits)
        let hosts = headers.values("Host")
        // HTTP/1.1 requests carry exactly one Host (RFC 9112 §3.2).
        if version == .http11 && hosts.count != 1 { throw HTTPParseError(.badRequest, "exactly one Host header is required") }
        let target = try Self.originForm(String(decoding: parts[1], as: UTF8.self), method: method, host: hosts.first, headers: &headers)
        return Head(method: method, target: target, version: version, headers: headers)
    }

    /// Reduces the request target to origin form (`/path?query`), checking an absolute-form target's authority
    /// against `Host` (RFC 9112 §3.2.2) so one request cannot name two hosts.
    private static func originForm(_ target: String, method: HTTPMethod, host: String?, headers: inout HTTPHeaders) throws(HTTPParseError) -> String {
        if target.hasPrefix("/") { return target }
        if target == "*" && method == .options { return target }
        let lower = target.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw HTTPParseError(.badRequest, "request target must be origin-form or absolute-form")
        }
        let afterScheme = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
        let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<slash]
        guard !authority.isEmpty, !authority.contains("@") else { throw HTTPParseError(.badRequest, "invalid authority in request target") }
        if let host, !host.caseInsensitiveEquals(authority) {
            throw HTTPParseError(.badRequest, "request target authority does not match Host")
        }
        headers["Host"] = String(authority)
        let rest = afterScheme[slash...]
        return rest.hasPrefix("/") ? String(rest) : "/" + rest
    }
}
