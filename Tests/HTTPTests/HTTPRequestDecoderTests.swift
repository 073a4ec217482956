import Testing
@testable import HTTP

/// The request decoder, fed literal wire bytes.
@Suite struct HTTPRequestDecoderTests {
    private func decode(_ wire: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> [HTTPRequest] {
        var decoder = HTTPRequestDecoder(limits: limits)
        decoder.append(Array(wire.utf8))
        var requests: [HTTPRequest] = []
        while let request = try decoder.next() { requests.append(request) }
        return requests
    }

    private func rejection(_ wire: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        do {
            _ = try decode(wire, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func bodyLimitOverride_AppliesToItsPathOnly() throws {
        let limits = HTTPLimits(maxBodyBytes: 4, maxBodyBytesByPath: ["/import": 10])
        let big = "0123456789"
        let allowed = try decode("POST /import?dry=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n\(big)", limits: limits)
        #expect(allowed.first?.body.count == 10)
        let chunked = try decode("POST /import HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na\r\n\(big)\r\n0\r\n\r\n", limits: limits)
        #expect(chunked.first?.body.count == 10)
        #expect(rejection("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n\(big)", limits: limits)?.status == .contentTooLarge)
        #expect(rejection("POST /import HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n\(big)x", limits: limits)?.status == .contentTooLarge)
    }

    @Test func simpleGet_DecodesMethodTargetHeaders() throws {
        let requests = try decode("GET /v1/vehicles?group=a%20b&x=1+2 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n")
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == .get)
        #expect(request.path == "/v1/vehicles")
        #expect(request.query["group"] == "a b")
        #expect(request.query["x"] == "1 2")
        #expect(request.headers["host"] == "example")
        #expect(request.body.isEmpty)
    }

    @Test func pipelinedRequests_ComeOutInOrder() throws {
        let wire = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        let requests = try decode(wire)
        #expect(requests.map(\.path) == ["/a", "/b"])
        #expect(requests[0].body == Array("abc".utf8))
    }

    @Test func bytesArrivingOneByOne_YieldTheSameRequest() throws {
        let wire = Array("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n".utf8)
        var decoder = HTTPRequestDecoder()
        var result: HTTPRequest?
        for byte in wire {
            decoder.append([byte])
            if let request = try decoder.next() { result = request }
        }
        #expect(result?.body == Array("abcde".utf8))
        #expect(result?.headers["Content-Length"] == "5")
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func chunkedBody_IsDecoded() throws {
        let requests = try decode("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        #expect(requests.first?.body == Array("hello world".utf8))
    }

    @Test func contentLengthAndTransferEncoding_Together_Are400() {
        let error = rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(error?.status == .badRequest)
    }

    @Test func conflictingContentLengths_Are400() {
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc")?.status == .badRequest)
    }

    @Test func repeatedContentLengths_AreRejectedEvenWhenIdentical() throws {
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc")?.status == .badRequest)
    }

    @Test func unsupportedTransferCoding_Is501() {
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n")?.status == .notImplemented)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == .notImplemented)
    }

    @Test func chunkedNotLast_Is400() {
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")?.status == .badRequest)
    }

    @Test func obsFold_BareLF_ControlCharacters_Are400() {
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET / HTTP/1.1\nHost: h\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A : a\r\n\r\n")?.status == .badRequest)
    }

    @Test func malformedRequestLine_Is400() {
        #expect(rejection("GET  / HTTP/1.1\r\nHost: h\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET /\r\nHost: h\r\n\r\n")?.status == .badRequest)
        #expect(rejection("G(T / HTTP/1.1\r\nHost: h\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET / HTTX/1.1\r\nHost: h\r\n\r\n")?.status == .badRequest)
    }

    @Test func unknownHTTPVersion_Is505() {
        #expect(rejection("GET / HTTP/2.0\r\nHost: h\r\n\r\n")?.status == .httpVersionNotSupported)
    }

    @Test func missingOrDuplicateHost_Is400() {
        #expect(rejection("GET / HTTP/1.1\r\n\r\n")?.status == .badRequest)
        #expect(rejection("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")?.status == .badRequest)
    }

    @Test func absoluteFormTarget_MustMatchHost() throws {
        #expect(try decode("GET http://h:8080/a?b=1 HTTP/1.1\r\nHost: h:8080\r\n\r\n").first?.target == "/a?b=1")
        #expect(rejection("GET http://evil/a HTTP/1.1\r\nHost: h\r\n\r\n")?.status == .badRequest)
    }

    @Test func oversizedHeaderBlock_Is431() {
        let limits = HTTPLimits(maxHeaderBytes: 256)
        let wire = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 300) + "\r\n\r\n"
        #expect(rejection(wire, limits: limits)?.status == .requestHeaderFieldsTooLarge)
        // Also while still incomplete: the limit is enforced before the terminator arrives.
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 300), limits: limits)?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func tooManyHeaders_Is431() {
        let limits = HTTPLimits(maxHeaderCount: 5)
        let wire = "GET / HTTP/1.1\r\nHost: h\r\n" + (0..<6).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(rejection(wire, limits: limits)?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func overlongRequestLine_Is414() {
        let limits = HTTPLimits(maxRequestLineBytes: 64)
        #expect(rejection("GET /" + String(repeating: "a", count: 100), limits: limits)?.status == .uriTooLong)
    }

    @Test func oversizedBody_Is413_BeforeTheBodyArrives() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits)?.status == .contentTooLarge)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n", limits: limits)?.status == .contentTooLarge)
    }

    @Test func hugeOrInvalidChunkSize_Is400() {
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")?.status == .badRequest)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n")?.status == .badRequest)
    }

    @Test func expectContinue_IsSignalledOnce() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try decoder.next() == nil)
        let first = decoder.takeContinueRequest()
        let second = decoder.takeContinueRequest()
        #expect(first && !second)
        decoder.append(Array("ok".utf8))
        #expect(try decoder.next()?.body == Array("ok".utf8))
    }

    @Test func keepAlive_FollowsVersionAndConnectionHeader() throws {
        #expect(try decode("GET / HTTP/1.1\r\nHost: h\r\n\r\n")[0].keepAlive)
        #expect(try !decode("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")[0].keepAlive)
        #expect(try !decode("GET / HTTP/1.0\r\n\r\n")[0].keepAlive)
        #expect(try decode("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].keepAlive)
    }
}
