import Foundation
import Testing

@testable import HTTP

/// Replays the committed fuzz corpora (`Fuzz/corpus/http-request`, `Fuzz/corpus/chunked-body`) through the request
/// decoder with the fuzz harnesses' oracle: the decoded requests and whether the stream is refused must not depend
/// on how the bytes are split across reads. A crash `scripts/fuzz` finds is added to the corpus, and so runs here.
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        let directory = root.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0))))
        }
    }

    static let limits = HTTPLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096, maxChunkLineBytes: 64)

    static func decode(_ segments: [ArraySlice<UInt8>]) -> (requests: [String], refused: Bool) {
        var decoder = HTTPRequestDecoder(limits: limits)
        var requests: [String] = []
        do {
            for segment in segments {
                decoder.append(Array(segment))
                while let request = try decoder.next() {
                    requests.append("\(request.method.rawValue) \(request.target) \(Array(request.headers).map { "\($0.name):\($0.value)" }) \(request.body)")
                }
            }
        } catch {
            return (requests, true)
        }
        return (requests, false)
    }

    static func checkSegmentation(_ name: String, _ bytes: [UInt8], split: Int) {
        let whole = decode([bytes[...]])
        let cut = min(split, bytes.count)
        let two = decode([bytes[..<cut], bytes[cut...]])
        let single = decode(bytes.indices.map { bytes[$0...$0] })
        #expect(whole.requests == two.requests && whole.refused == two.refused, "\(name): two reads differ")
        #expect(whole.requests == single.requests && whole.refused == single.refused, "\(name): one byte per read differs")
    }

    @Test func httpRequestCorpus_DecodesTheSameHoweverSplit() throws {
        let inputs = try Self.inputs("http-request")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs where !bytes.isEmpty {
            Self.checkSegmentation(name, Array(bytes.dropFirst()), split: Int(bytes[0]))
        }
    }

    @Test func chunkedBodyCorpus_DecodesTheSameHoweverSplit() throws {
        let head = Array("POST /v1/import HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        let inputs = try Self.inputs("chunked-body")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs where !bytes.isEmpty {
            Self.checkSegmentation(name, head + bytes.dropFirst(), split: head.count + Int(bytes[0]))
        }
    }
}
