import Dispatch
import Foundation
@testable import HTTP

#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP client for speaking literal wire bytes to the server under test.
///
/// Every blocking call runs on a Dispatch queue, never on the cooperative pool (which the server's
/// handlers need: it has only 2 threads here).
final class RawConnection: Sendable {
    let fd: Int32

    init(port: Int) async throws {
        fd = try await Self.offPool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError.makeFailed("socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else {
                let error = SocketError.makeFailed("connect")
                close(fd)
                throw error
            }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
    }

    deinit { close(fd) }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        let fd = fd
        try await Self.offPool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw SocketError.makeFailed("send") }
                offset += n
            }
        }
    }

    /// Reads until the peer closes (or the 10 s receive timeout), returning everything received.
    func readToEnd() async throws -> String {
        let fd = fd
        return try await Self.offPool {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { out.append(contentsOf: buffer[0..<n]); continue }
                if n == 0 { break }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw SocketError(operation: "recv (timed out)", code: errno) }
                if errno == ECONNRESET { break }
                throw SocketError.makeFailed("recv")
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Reads exactly `count` complete responses (framed by Content-Length), returning them.
    func readResponses(_ count: Int) async throws -> [ParsedResponse] {
        let fd = fd
        return try await Self.offPool {
            var buffer: [UInt8] = []
            var responses: [ParsedResponse] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while responses.count < count {
                if let (response, used) = ParsedResponse.parse(buffer) {
                    responses.append(response)
                    buffer.removeFirst(used)
                    continue
                }
                let n = recv(fd, &chunk, chunk.count, 0)
                guard n > 0 else { throw SocketError(operation: "recv (closed after \(responses.count) responses)", code: errno) }
                buffer.append(contentsOf: chunk[0..<n])
            }
            return responses
        }
    }

    /// Whether the server has closed the connection (a read returns EOF within `seconds`).
    func isClosedByPeer(within seconds: Int) async -> Bool {
        let fd = fd
        return (try? await Self.offPool {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { continue }
                return n == 0 || errno == ECONNRESET
            }
        }) ?? false
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            // A fresh serial queue gets its own thread; the global queue would allow only as many blocked
            // calls as there are cores (2 here), serialising the tests.
            DispatchQueue(label: "test.raw-connection").async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A response read off the wire by the test client.
struct ParsedResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    static func parse(_ bytes: [UInt8]) -> (ParsedResponse, Int)? {
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 })
        else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard bytes.count >= bodyStart + length else { return nil }
        return (ParsedResponse(status: status, headers: headers, body: String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)), bodyStart + length)
    }
}
