import Foundation
import Synchronization
import Testing

@testable import HTTP

/// Request smuggling and protocol abuse over real sockets (issue #9): each attempt is answered with its status
/// (400 unless noted) and the connection is closed, and a request hidden behind ambiguous framing never runs.
@Suite struct SmugglingTests {
    /// Counts the requests that reached `/hidden`: a smuggled request must never get there.
    final class HiddenCounter: Sendable {
        let hits = Atomic<Int>(0)
        var count: Int { hits.load(ordering: .relaxed) }
    }

    static func router(_ counter: HiddenCounter) -> Router {
        var router = Router.fixture
        router.get("/hidden") { _, _ in
            counter.hits.add(1, ordering: .relaxed)
            return .text("smuggled")
        }
        router.post("/hidden") { _, _ in
            counter.hits.add(1, ordering: .relaxed)
            return .text("smuggled")
        }
        return router
    }

    static let hidden = "GET /hidden HTTP/1.1\r\nHost: t\r\n\r\n"

    /// Sends `wire`, reads until the server closes, and checks the status and that `/hidden` was never reached.
    private func expectRejectedAndClosed(_ wire: [UInt8], status: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let counter = HiddenCounter()
        try await withServer(Self.router(counter)) { port, server in
            let connection = try await RawConnection(port: port)
            try await connection.send(wire)
            // readToEnd returns only at EOF (or throws after its 10 s receive timeout): the server closed.
            let raw = try await connection.readToEnd()
            #expect(raw.hasPrefix("HTTP/1.1 \(status) "), "got: \(raw.prefix(80))", sourceLocation: sourceLocation)
            #expect(raw.contains("Connection: close"), sourceLocation: sourceLocation)
            // Exactly one response: nothing after the rejection was parsed or answered.
            #expect(raw.components(separatedBy: "HTTP/1.1 ").count == 2, "more than one response: \(raw)", sourceLocation: sourceLocation)
            #expect(!raw.contains("smuggled"), sourceLocation: sourceLocation)
            try await waitFor { server.openConnectionCount == 0 }
        }
        #expect(counter.count == 0, "a smuggled request was executed", sourceLocation: sourceLocation)
    }

    private func expectRejectedAndClosed(_ wire: String, status: Int = 400, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await expectRejectedAndClosed(Array(wire.utf8), status: status, sourceLocation: sourceLocation)
    }

    // MARK: Framing: Content-Length and Transfer-Encoding

    @Test func contentLengthAndTransferEncoding_CLTE() async throws {
        // A front end using Content-Length forwards 6 bytes; one using chunked would see a second request.
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Self.hidden)
    }

    @Test func contentLengthAndTransferEncoding_TECL() async throws {
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n" + Self.hidden
                + "\r\n0\r\n\r\n")
    }

    @Test(arguments: [
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity",  // chunked not final
        "Transfer-Encoding: identity, chunked",  // (501: unsupported coding) — see the separate case below
        "Transfer-Encoding : chunked",  // whitespace before the colon (RFC 9112 §5.1)
        "Transfer-Encoding:\r\n chunked",  // obs-fold
        " Transfer-Encoding: chunked",  // a first field line starting with whitespace
    ])
    func obfuscatedTransferEncoding_IsRejected(field: String) async throws {
        let status = field.contains("identity, chunked") ? 501 : 400
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\n\(field)\r\n\r\n0\r\n\r\n" + Self.hidden, status: status)
    }

    @Test func transferEncodingOnHTTP10_IsRejected() async throws {
        try await expectRejectedAndClosed("POST /echo HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Self.hidden)
    }

    @Test(arguments: ["3\r\nContent-Length: 3", "3\r\nContent-Length: 40", "3, 3", "3, 40"])
    func duplicateContentLength_IsRejected(values: String) async throws {
        try await expectRejectedAndClosed("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(values)\r\n\r\nabc" + Self.hidden)
    }

    @Test(arguments: ["+3", "-3", "0x3", "3a", "3 3", "", "99999999999999999999999", "٣"])
    func nonNumericContentLength_IsRejected(value: String) async throws {
        try await expectRejectedAndClosed("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(value)\r\n\r\nabc" + Self.hidden)
    }

    // MARK: Message-head syntax

    @Test func obsFold_IsRejected() async throws {
        try await expectRejectedAndClosed("GET /hello HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n\tb\r\n\r\n" + Self.hidden)
    }

    @Test(arguments: [
        "GET /hello HTTP/1.1\nHost: t\n\n",  // a head of bare LFs: refused at once, not at the header deadline
        "GET /hello HTTP/1.1\r\nHost: t\nX: y\r\n\r\n",  // one bare LF among CRLFs
        "GET /hello HTTP/1.1\r\nHost: t\r\n\n",  // bare LF as the final empty line
        "GET /hello HTTP/1.1\rHost: t\r\n\r\n",  // bare CR
    ])
    func bareLineEnds_AreRejected(wire: String) async throws {
        let started = ContinuousClock.now
        try await expectRejectedAndClosed(wire + Self.hidden)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test(arguments: [0x00, 0x01, 0x0b, 0x0c, 0x1b, 0x7f] as [UInt8])
    func controlCharacterInHeader_IsRejected(byte: UInt8) async throws {
        let wire = Array("GET /hello HTTP/1.1\r\nHost: t\r\nX-Evil: a".utf8) + [byte] + Array("b\r\n\r\n\(Self.hidden)".utf8)
        try await expectRejectedAndClosed(wire, status: 400)
    }

    @Test func nulInHeaderName_IsRejected() async throws {
        let wire = Array("GET /hello HTTP/1.1\r\nHost: t\r\nX-E".utf8) + [0] + Array("vil: 1\r\n\r\n\(Self.hidden)".utf8)
        try await expectRejectedAndClosed(wire, status: 400)
    }

    @Test(arguments: [
        "GET  /hello HTTP/1.1",  // two spaces
        "GET /hello  HTTP/1.1",
        "GET /hel lo HTTP/1.1",
        "GET /hello HTTP/1.1 ",
        "GET\t/hello HTTP/1.1",
        "GET /hello http/1.1",
    ])
    func malformedRequestLine_IsRejected(line: String) async throws {
        try await expectRejectedAndClosed(line + "\r\nHost: t\r\n\r\n" + Self.hidden)
    }

    @Test func missingOrRepeatedHost_IsRejected() async throws {
        try await expectRejectedAndClosed("GET /hello HTTP/1.1\r\n\r\n" + Self.hidden)
        try await expectRejectedAndClosed("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + Self.hidden)
    }

    // MARK: Chunk sizes

    @Test(arguments: ["FFFFFFFFFFFFFFFFF", "1000000000", "-1", "0x10", " 5", "", "5 5"])
    func malformedOrOversizedChunkSize_Is400(size: String) async throws {
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n" + Self.hidden)
    }

    @Test func chunkSizeBeyondTheBodyLimit_Is413() async throws {
        // Eight hex digits parse, but 4 GiB is past the 1 MiB body limit: refused before any data is read.
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nhello\r\n" + Self.hidden, status: 413)
    }

    @Test func chunkDataLongerThanItsSize_IsRejected() async throws {
        // The chunk says 5 but carries a request after the data, instead of CRLF.
        try await expectRejectedAndClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello" + Self.hidden + "0\r\n\r\n")
    }

    // MARK: Targets

    @Test(arguments: [
        "GET http://evil.example/hidden HTTP/1.1\r\nHost: t\r\n\r\n",  // authority does not match Host
        "GET http://t@evil.example/hidden HTTP/1.1\r\nHost: t\r\n\r\n",  // userinfo
        "GET ftp://t/hidden HTTP/1.1\r\nHost: t\r\n\r\n",  // not http(s)
        "GET hidden HTTP/1.1\r\nHost: t\r\n\r\n",  // neither origin- nor absolute-form
        "GET * HTTP/1.1\r\nHost: t\r\n\r\n",  // asterisk-form is for OPTIONS only
        "GET http:///hidden HTTP/1.1\r\nHost: t\r\n\r\n",  // empty authority
    ])
    func mismatchedOrInvalidTarget_IsRejected(wire: String) async throws {
        try await expectRejectedAndClosed(wire)
    }

    @Test func matchingAbsoluteFormTarget_IsServed() async throws {
        let counter = HiddenCounter()
        try await withServer(Self.router(counter)) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("GET http://t/hidden HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try await connection.readResponses(1).first)
            #expect(response.status == 200)
        }
        #expect(counter.count == 1)
    }

    // MARK: Well-framed bodies that look like requests

    @Test func requestTextInsideAContentLengthBody_IsOnlyData() async throws {
        let counter = HiddenCounter()
        try await withServer(Self.router(counter)) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(Self.hidden.utf8.count)\r\n\r\n\(Self.hidden)"
                    + "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let responses = try await connection.readResponses(2)
            #expect(responses.map(\.status) == [200, 200])
            #expect(responses[0].body == Self.hidden)
            #expect(responses[1].body == "hello")
        }
        #expect(counter.count == 0)
    }

    @Test func requestTextInsideAChunkedBody_IsOnlyData() async throws {
        let counter = HiddenCounter()
        let size = String(Self.hidden.utf8.count, radix: 16)
        try await withServer(Self.router(counter)) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send(
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\n\(Self.hidden)\r\n0\r\n\r\n"
                    + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let responses = try await connection.readResponses(2)
            #expect(responses.map(\.body) == [Self.hidden, "hello"])
        }
        #expect(counter.count == 0)
    }

    @Test func rejectionMidPipeline_AnswersEarlierRequestsThenCloses() async throws {
        let counter = HiddenCounter()
        try await withServer(Self.router(counter)) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send(
                "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + Self.hidden)
            let raw = try await connection.readToEnd()
            let statuses = raw.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
            #expect(statuses == ["200", "400"])
        }
        #expect(counter.count == 0)
    }
}
