/// Parses the start line and header fields of a message head (RFC 9112 §2-§5) over bytes.
///
/// The head is everything up to and including the first CRLF CRLF. It must be CRLF-delimited:
/// a bare LF is rejected (RFC 9112 §2.2 allows leniency; request smuggling makes strictness the safer choice).
enum HTTPHeadParser {
    static let cr: UInt8 = 13, lf: UInt8 = 10, sp: UInt8 = 32, tab: UInt8 = 9, colon: UInt8 = 58

    /// The byte offset just past the CRLF CRLF ending the head within `bytes[from...]`, or `nil`.
    /// `scanFrom` lets repeated calls skip bytes already searched.
    static func headEnd(in bytes: [UInt8], from start: Int, scanFrom: inout Int) -> Int? {
        var i = max(start, scanFrom - 3)
        let end = bytes.count
        while i + 3 < end {
            if bytes[i + 3] != lf { i += bytes[i + 3] == cr ? 1 : 4; continue }
            if bytes[i] == cr && bytes[i + 1] == lf && bytes[i + 2] == cr { return i + 4 }
            i += 1
        }
        scanFrom = end
        return nil
    }

    /// The index of the first LF at or after `from` that does not follow a CR, or `nil`.
    static func firstBareLF(in bytes: [UInt8], from: Int, headStart: Int) -> Int? {
        var i = from
        while i < bytes.count {
            if bytes[i] == lf && (i == headStart || bytes[i - 1] != cr) { return i }
            i += 1
        }
        return nil
    }

    /// Splits a head into CRLF-terminated lines, rejecting bare CR or LF and control characters.
    static func lines(_ head: ArraySlice<UInt8>) throws(HTTPParseError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = head.startIndex
        var i = head.startIndex
        let end = head.endIndex - 2  // the final empty line's CRLF
        while i < end {
            let byte = head[i]
            if byte == cr {
                guard i + 1 < head.endIndex, head[i + 1] == lf else { throw HTTPParseError(.badRequest, "bare CR in message head") }
                lines.append(head[lineStart..<i])
                i += 2
                lineStart = i
                continue
            }
            if byte == lf { throw HTTPParseError(.badRequest, "bare LF in message head (CRLF required, RFC 9112 §2.2)") }
            // Field values may hold HTAB and visible octets only (RFC 9110 §5.5): NUL and other controls are fatal.
            if (byte < sp && byte != tab) || byte == 0x7f {
                throw HTTPParseError(.badRequest, "control character in message head")
            }
            i += 1
        }
        return lines
    }

    static func fields(_ lines: ArraySlice<ArraySlice<UInt8>>, limits: HTTPLimits) throws(HTTPParseError) -> HTTPHeaders {
        guard lines.count <= limits.maxHeaderCount else {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
        }
        var headers: [(String, String)] = []
        headers.reserveCapacity(lines.count)
        for line in lines {
            guard let first = line.first else { continue }
            // obs-fold (a line starting with whitespace) must be rejected or replaced (RFC 9112 §5.2): reject.
            if first == sp || first == tab { throw HTTPParseError(.badRequest, "obsolete line folding in header") }
            guard let colonIndex = line.firstIndex(of: colon) else { throw HTTPParseError(.badRequest, "header field without colon") }
            let name = line[line.startIndex..<colonIndex]
            // No whitespace is allowed between the field name and colon (RFC 9112 §5.1).
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw HTTPParseError(.badRequest, "invalid header field name") }
            var valueStart = line.index(after: colonIndex)
            var valueEnd = line.endIndex
            while valueStart < valueEnd, line[valueStart] == sp || line[valueStart] == tab { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == sp || line[valueEnd - 1] == tab { valueEnd -= 1 }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: line[valueStart..<valueEnd], as: UTF8.self)))
        }
        return HTTPHeaders(headers)
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func version(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "HTTP/1.1": return .http11
        case "HTTP/1.0": return .http10
        default:
            let valid = text.count == 8 && text.hasPrefix("HTTP/") && text.dropFirst(5).enumerated().allSatisfy { i, c in
                i == 1 ? c == "." : c.isASCII && c.isNumber
            }
            if valid { throw HTTPParseError(.httpVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served") }
            throw HTTPParseError(.badRequest, "malformed HTTP version")
        }
    }

    /// Decides how the body is framed (RFC 9112 §6.1-§6.3).
    static func bodyFraming(_ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits) throws(HTTPParseError) -> BodyFraming? {
        let transferEncodings = headers.values("Transfer-Encoding")
        let contentLengths = headers.values("Content-Length")
        if !transferEncodings.isEmpty {
            // A message with both is a smuggling vector; RFC 9112 §6.1 lets the server reject it: do.
            guard contentLengths.isEmpty else {
                throw HTTPParseError(.badRequest, "both Transfer-Encoding and Content-Length present (RFC 9112 §6.1)")
            }
            guard version == .http11 else { throw HTTPParseError(.badRequest, "Transfer-Encoding in an HTTP/1.0 message") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
            // chunked must be the final coding, and may appear once (RFC 9112 §6.3 rule 4, §7).
            guard codings.last == "chunked" else {
                if codings.contains("chunked") {
                    throw HTTPParseError(.badRequest, "chunked is not the final transfer coding (RFC 9112 §6.3)")
                }
                throw HTTPParseError(.notImplemented, "unsupported transfer coding \(codings.joined(separator: ", "))")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(.notImplemented, "unsupported transfer coding \(codings.dropLast().joined(separator: ", "))")
            }
            return .chunked
        }
        guard !contentLengths.isEmpty else { return nil }
        // RFC 9112 §6.3 rule 5 lets a recipient accept repeated identical values; a smuggling defence takes the
        // stricter reading it also allows: one field, one value, digits only. Anything else is fatal.
        guard contentLengths.count == 1 else { throw HTTPParseError(.badRequest, "repeated Content-Length") }
        let value = contentLengths[0].trimmingSpaces()
        guard !value.isEmpty, value.count <= 18, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(value)
        else { throw HTTPParseError(.badRequest, "invalid Content-Length") }
        guard length <= limits.maxBodyBytes else {
            throw HTTPParseError(.contentTooLarge, "body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes)")
        }
        return .length(length)
    }
}

/// How a message body is delimited.
enum BodyFraming: Equatable {
    case length(Int)
    case chunked
    /// Read until the peer closes (responses only).
    case untilClose
}
