/// Turns the bytes a client reads back into the one response to the request it sent (RFC 9112 §4, §6).
///
/// One decoder per request: it knows the request method, because a response to `HEAD` has no body whatever its
/// headers say. Interim `1xx` responses are skipped. Every size is bounded by ``HTTPLimits`` (the status line by
/// ``HTTPLimits/maxRequestLineBytes``); a violation throws ``HTTPParseError``, after which the connection's framing
/// is unknown and it must be closed.
struct HTTPResponseDecoder {
    /// A complete response, and whether the connection may carry another request.
    struct Decoded {
        var response: HTTPResponse
        /// `false` when either side asked to close, the body ran to the end of the stream, or bytes followed it.
        var keepAlive: Bool
    }

    private struct Head {
        var status: HTTPStatus
        var version: HTTPVersion
        var headers: HTTPHeaders
    }

    private enum State {
        case head
        case body(Head, length: Int)
        case chunked(Head, ChunkedBodyDecoder)
        case untilClose(Head)
        case done
    }

    let limits: HTTPLimits
    private let requestMethod: HTTPMethod
    private var buffer: [UInt8] = []
    private var cursor = 0
    private var scanned = 0
    private var state = State.head

    init(requestMethod: HTTPMethod, limits: HTTPLimits) {
        self.requestMethod = requestMethod
        self.limits = limits
    }

    /// Whether any byte of the response (interim responses included) has arrived.
    private(set) var hasReceivedBytes = false

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        hasReceivedBytes = true
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// The response, once complete; `nil` until more bytes arrive.
    mutating func next() throws(HTTPParseError) -> Decoded? {
        while true {
            switch state {
            case .done:
                return nil
            case .head:
                guard let head = try parseHead() else { return nil }
                // Interim responses carry no body and precede the final one (RFC 9110 §15.2): skip them.
                // 101 would switch protocols, which this client never asks for.
                if head.status.code < 200 {
                    guard head.status.code != 101 else {
                        throw HTTPParseError(.badGateway, "unexpected 101 Switching Protocols")
                    }
                    continue
                }
                // RFC 9112 §6.3 rule 1: responses to HEAD, and 1xx/204/304 responses, end at the head.
                if requestMethod == .head || head.status.code == 204 || head.status.code == 304 {
                    return finish(head, body: [])
                }
                switch try HTTPHeadParser.bodyFraming(head.headers, version: head.version, limits: limits) {
                case .length(let length): state = .body(head, length: length)
                case .chunked: state = .chunked(head, ChunkedBodyDecoder())
                // RFC 9112 §6.3 rule 8: no framing header means the body runs to the end of the connection.
                case .untilClose, nil: state = .untilClose(head)
                }
            case .body(let head, let length):
                guard buffer.count - cursor >= length else { return nil }
                let body = Array(buffer[cursor..<cursor + length])
                cursor += length
                return finish(head, body: body)
            case .chunked(let head, var decoder):
                let complete = try decoder.decode(buffer, cursor: &cursor, limits: limits)
                guard complete else {
                    state = .chunked(head, decoder)
                    return nil
                }
                var head = head
                head.headers.remove("Transfer-Encoding")
                head.headers["Content-Length"] = String(decoder.body.count)
                return finish(head, body: decoder.body)
            case .untilClose:
                guard buffer.count - cursor <= limits.maxBodyBytes else {
                    throw HTTPParseError(.contentTooLarge, "body exceeds the limit of \(limits.maxBodyBytes) bytes")
                }
                return nil
            }
        }
    }

    /// Call when the peer closed the connection: the response if the end of the stream completes it
    /// (a read-until-close body), else `nil` (the response was cut short).
    mutating func finishAtEndOfStream() throws(HTTPParseError) -> Decoded? {
        if let decoded = try next() { return decoded }
        guard case .untilClose(let head) = state else { return nil }
        let body = Array(buffer[cursor...])
        cursor = buffer.count
        var decoded = finish(head, body: body)
        decoded.keepAlive = false
        return decoded
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> Decoded {
        state = .done
        let closeRequested = head.headers.hasToken("close", in: "Connection")
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
        var keepAlive = head.version == .http11 ? !closeRequested : head.headers.hasToken("keep-alive", in: "Connection")
        // Bytes after a complete response answer nothing we sent: the stream can no longer be trusted.
        if cursor != buffer.count { keepAlive = false }
        return Decoded(response: HTTPResponse(status: head.status, headers: head.headers, body: body), keepAlive: keepAlive)
    }

    private mutating func parseHead() throws(HTTPParseError) -> Head? {
        guard let end = HTTPHeadParser.headEnd(in: buffer, from: cursor, scanFrom: &scanned) else {
            if buffer.count - cursor > limits.maxHeaderBytes {
                throw HTTPParseError(.badGateway, "response head larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        guard end - cursor <= limits.maxHeaderBytes else {
            throw HTTPParseError(.badGateway, "response head larger than \(limits.maxHeaderBytes) bytes")
        }
        let lines = try HTTPHeadParser.lines(buffer[cursor..<end])
        cursor = end
        scanned = end
        guard let statusLine = lines.first else { throw HTTPParseError(.badGateway, "empty response head") }
        guard statusLine.count <= limits.maxRequestLineBytes else {
            throw HTTPParseError(.badGateway, "status line longer than \(limits.maxRequestLineBytes) bytes")
        }
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). Some servers drop the
        // second SP when the reason is empty; accept that too.
        let parts = statusLine.split(separator: HTTPHeadParser.sp, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw HTTPParseError(.badGateway, "malformed status line") }
        let version = try HTTPHeadParser.version(parts[0])
        let digits = parts[1]
        // status-code = 3DIGIT (RFC 9112 §4); RFC 9110 §15 defines 100-599.
        guard digits.count == 3, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let code = Int(String(decoding: digits, as: UTF8.self)), (100...599).contains(code)
        else { throw HTTPParseError(.badGateway, "malformed status code") }
        let reason = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
        let headers = try HTTPHeadParser.fields(lines.dropFirst(), limits: limits)
        return Head(status: HTTPStatus(code: code, reason: reason.isEmpty ? nil : reason), version: version, headers: headers)
    }
}
