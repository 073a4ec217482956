import HTTP

/// What a decoder run produced, in a comparable form.
struct DecodeOutcome: Equatable {
    var requests: [String] = []
    var error: HTTPParseError?
}

enum FuzzOracle {
    /// Small limits, so the fuzzer reaches every limit check with short inputs.
    static let limits = HTTPLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096, maxChunkLineBytes: 64)

    static func decode(_ segments: [ArraySlice<UInt8>]) -> DecodeOutcome {
        var decoder = HTTPRequestDecoder(limits: limits)
        var outcome = DecodeOutcome()
        do {
            for segment in segments {
                decoder.append(Array(segment))
                while let request = try decoder.next() {
                    outcome.requests.append(describe(request))
                    if outcome.requests.count > 64 { return outcome }
                }
            }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    static func describe(_ request: HTTPRequest) -> String {
        let headers = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        return "\(request.method.rawValue) \(request.target) \(request.version)\n\(headers)\n\(request.body)"
    }

    static func checkSegmentationIndependence(_ bytes: [UInt8], split: Int) {
        let whole = decode([bytes[...]])
        let cut = min(split, bytes.count)
        let two = decode([bytes[..<cut], bytes[cut...]])
        // The same requests come out of the whole stream, of two reads and of one byte per read, and all three
        // agree on whether the stream was refused. (Which status may differ: with fewer bytes, a line-length
        // limit can trip before the header-block limit would have.)
        check(whole, two, "two reads")
        if bytes.count <= 512 { check(whole, decode(bytes.indices.map { bytes[$0...$0] }), "one byte per read") }
    }

    private static func check(_ whole: DecodeOutcome, _ other: DecodeOutcome, _ how: String) {
        precondition(whole.requests == other.requests, "\(how): decoded requests differ: \(whole.requests) vs \(other.requests)")
        precondition(
            (whole.error == nil) == (other.error == nil),
            "\(how): outcome differs: \(String(describing: whole.error)) vs \(String(describing: other.error))")
    }
}
