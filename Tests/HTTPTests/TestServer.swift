import Foundation
import Logging
import Synchronization
import Testing

@testable import HTTP

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` against an ``HTTPServer`` serving `router` on a free loopback port, and always shuts the server
/// down, even when `body` throws.
///
/// - Parameters:
///   - tls: serve HTTPS with this context.
///   - configuration: the server configuration; its `port` is replaced by `0` and its `tls` by `tls` when given.
///   - body: receives the bound port.
func withTestServer<Result>(
    router: Router, tls: TLSContext? = nil, configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
    _ body: (Int) async throws -> Result
) async throws -> Result {
    var configuration = configuration
    configuration.port = 0
    if let tls { configuration.tls = tls }
    let logger = Logger(label: "test.http.server") { _ in SwiftLogNoOpLogHandler() }
    let server = HTTPServer(configuration: configuration, responder: router.buildResponder(), logger: logger)
    let address = try server.start()
    do {
        let result = try await body(address.port)
        await server.shutdown(gracePeriod: .seconds(2))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(2))
        throw error
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, made with the `openssl` command in a temporary
/// directory, which ``remove()`` deletes.
struct TestCertificate {
    let directory: URL
    var certificatePath: String { directory.appendingPathComponent("c.pem").path }
    var keyPath: String { directory.appendingPathComponent("k.pem").path }

    /// Waits for `openssl` without blocking a cooperative thread (there are only two).
    static func make() async throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curtail-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "1", "-keyout", "k.pem", "-out", "c.pem",
        ]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw TestFailure("openssl req exited with \(status)")
        }
        return TestCertificate(directory: directory)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A scripted HTTP/1.1 peer on blocking sockets, for what ``HTTPServer`` never sends (chunked bodies, interim
/// responses, a close instead of an answer). It runs on its own threads, never on the cooperative pool.
///
/// For each request it reads the head and a `Content-Length` body, then asks `script(connection, request, head)`
/// what to do; connections and requests are numbered from 0.
final class RawTestServer: Sendable {
    enum Reply: Sendable {
        /// Write these bytes and keep reading.
        case send([UInt8])
        /// Write these bytes, then close.
        case sendAndClose([UInt8])
        /// Close without answering.
        case close
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (_ connection: Int, _ request: Int, _ head: String) -> Reply
    private let counters = Mutex((connections: 0, stopped: false))

    var connectionCount: Int { counters.withLock { $0.connections } }

    init(script: @escaping @Sendable (_ connection: Int, _ request: Int, _ head: String) -> Reply) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 64) == 0 else { throw TestFailure("raw server could not listen") }
        listener = fd
        port = try Socket(fd: fd).localAddress().port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting (the accept loop ends on the next connection attempt or error).
    func stop() {
        counters.withLock { $0.stopped = true }
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let index = counters.withLock { state -> Int? in
                if state.stopped { return nil }
                defer { state.connections += 1 }
                return state.connections
            }
            guard let index else {
                Glibc.close(client)
                return
            }
            let thread = Thread { [self] in serve(client, index: index) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32, index: Int) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var requestIndex = 0
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // Read one head, then its Content-Length body.
            var headEnd: Int?
            while headEnd == nil {
                if let range = Self.find([13, 10, 13, 10], in: buffer) { headEnd = range + 4; break }
                let count = read(fd, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            while buffer.count < headEnd! + length {
                let count = read(fd, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            buffer.removeFirst(headEnd! + length)
            switch script(index, requestIndex, head) {
            case .send(let bytes):
                Self.writeAll(fd, bytes)
            case .sendAndClose(let bytes):
                Self.writeAll(fd, bytes)
                return
            case .close:
                return
            }
            requestIndex += 1
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            offset += count
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }
}
