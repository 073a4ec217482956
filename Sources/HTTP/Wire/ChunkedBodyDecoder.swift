/// Decodes a chunked body (RFC 9112 §7.1) incrementally from a growing buffer.
///
/// Resumable: each call consumes what it can from `buffer[cursor...]` and remembers where it stopped,
/// so a body trickled in byte by byte costs linear time.
struct ChunkedBodyDecoder {
    private enum State {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers(bytes: Int)
        case done
    }

    private var state = State.sizeLine
    private(set) var body: [UInt8] = []

    /// Consumes bytes starting at `cursor`, advancing it. Returns `true` once the last chunk and trailers are read.
    mutating func decode(_ buffer: [UInt8], cursor: inout Int, limits: HTTPLimits) throws(HTTPParseError) -> Bool {
        while true {
            switch state {
            case .done:
                return true
            case .sizeLine:
                guard let lineEnd = try Self.lineEnd(buffer, from: cursor, limit: limits.maxChunkLineBytes) else { return false }
                let line = buffer[cursor..<lineEnd]
                cursor = lineEnd + 2
                // chunk-size [ chunk-ext ]: extensions are ignored (RFC 9112 §7.1.1) but still bounded by the line limit.
                let sizeDigits = line.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                // More than 8 hex digits cannot be a size we accept and risks overflow: reject before converting.
                // After the digits only BWS then ";" may follow (RFC 9112 §7.1.1): "5 5" or "5x" is not a size.
                let afterDigits = line.dropFirst(sizeDigits.count).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                guard afterDigits.isEmpty || afterDigits.first == UInt8(ascii: ";") else {
                    throw HTTPParseError(.badRequest, "invalid chunk size")
                }
                guard !sizeDigits.isEmpty, sizeDigits.count <= 8, sizeDigits.allSatisfy({ $0.isHexDigit }),
                    let size = Int(String(decoding: sizeDigits, as: UTF8.self), radix: 16)
                else { throw HTTPParseError(.badRequest, "invalid chunk size") }
                guard body.count + size <= limits.maxBodyBytes else {
                    throw HTTPParseError(.contentTooLarge, "chunked body exceeds the limit of \(limits.maxBodyBytes) bytes")
                }
                state = size == 0 ? .trailers(bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let available = min(remaining, buffer.count - cursor)
                guard available > 0 else { return false }
                body.append(contentsOf: buffer[cursor..<cursor + available])
                cursor += available
                state = available == remaining ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard buffer.count - cursor >= 2 else { return false }
                guard buffer[cursor] == HTTPHeadParser.cr, buffer[cursor + 1] == HTTPHeadParser.lf else {
                    throw HTTPParseError(.badRequest, "chunk data not followed by CRLF")
                }
                cursor += 2
                state = .sizeLine
            case .trailers(let seen):
                // Trailer fields are read and discarded: Curtail acts on none of them.
                guard let lineEnd = try Self.lineEnd(buffer, from: cursor, limit: limits.maxHeaderBytes - seen) else {
                    if buffer.count - cursor > limits.maxHeaderBytes - seen {
                        throw HTTPParseError(.requestHeaderFieldsTooLarge, "trailer section too large")
                    }
                    return false
                }
                let lineLength = lineEnd - cursor
                cursor = lineEnd + 2
                state = lineLength == 0 ? .done : .trailers(bytes: seen + lineLength + 2)
            }
        }
    }

    /// The index of the CR of the next CRLF at or after `from`, or `nil` if none yet.
    /// Throws on a bare LF or a line longer than `limit`.
    private static func lineEnd(_ buffer: [UInt8], from: Int, limit: Int) throws(HTTPParseError) -> Int? {
        var i = from
        while i < buffer.count {
            if buffer[i] == HTTPHeadParser.lf { throw HTTPParseError(.badRequest, "bare LF in chunked framing") }
            if buffer[i] == HTTPHeadParser.cr {
                guard i + 1 < buffer.count else { return nil }
                guard buffer[i + 1] == HTTPHeadParser.lf else { throw HTTPParseError(.badRequest, "bare CR in chunked framing") }
                return i
            }
            if i - from >= limit { throw HTTPParseError(.badRequest, "chunk line too long") }
            i += 1
        }
        if i - from > limit { throw HTTPParseError(.badRequest, "chunk line too long") }
        return nil
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
