#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one non-blocking read or write.
///
/// "Would block" and "peer closed" are values, not errors: the event loop acts on them.
public enum IOResult: Sendable, Equatable {
    /// This many bytes moved (always > 0).
    case bytes(Int)
    /// Nothing moved; wait for readiness.
    case wouldBlock
    /// The peer closed its side (read), or the connection is gone (write: EPIPE/ECONNRESET).
    case closed
}

/// A non-owning view of a socket file descriptor: a thin wrapper whose every call returns a Swift value
/// or throws ``SocketError`` with `errno` captured on the spot.
///
/// The descriptor's lifetime belongs to whoever created it (a listener or a connection), which calls
/// ``close()`` exactly once.
public struct Socket: Sendable, Hashable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    /// Creates a non-blocking, close-on-exec TCP socket for `family` (`AF_INET` or `AF_INET6`).
    public static func tcp(family: Int32) throws(SocketError) -> Socket {
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        let fd = Glibc.socket(family, type, 0)
        guard fd >= 0 else { throw .makeFailed("socket") }
        return Socket(fd: fd)
    }

    public func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw .makeFailed("setsockopt")
        }
    }

    public func bind(_ address: SocketAddress) throws(SocketError) {
        let result = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard result == 0 else { throw .makeFailed("bind") }
    }

    public func listen(backlog: Int32) throws(SocketError) {
        guard Glibc.listen(fd, backlog) == 0 else { throw .makeFailed("listen") }
    }

    /// Accepts one pending connection as a non-blocking socket, or `nil` when none is pending.
    public func accept() throws(SocketError) -> Socket? {
        // accept4 is not exported by the Glibc module (it needs _GNU_SOURCE): set the flags after accepting.
        let client = Glibc.accept(fd, nil, nil)
        if client >= 0 {
            let socket = Socket(fd: client)
            guard fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK) == 0,
                fcntl(client, F_SETFD, FD_CLOEXEC) == 0
            else {
                let error = SocketError.makeFailed("fcntl")
                socket.close()
                throw error
            }
            return socket
        }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED: return nil
        default: throw .makeFailed("accept")
        }
    }

    /// Starts a non-blocking connect; `true` when it completed at once, `false` when it is in progress
    /// (wait for writability, then check ``pendingError()``).
    public func connect(_ address: SocketAddress) throws(SocketError) -> Bool {
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { return true }
        if errno == EINPROGRESS || errno == EINTR { return false }
        throw .makeFailed("connect")
    }

    /// The error of a finished non-blocking connect (`SO_ERROR`), or `nil` on success.
    public func pendingError() -> SocketError? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return .makeFailed("getsockopt") }
        return value == 0 ? nil : SocketError(operation: "connect", code: value)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult {
        let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if count > 0 { return .bytes(count) }
        if count == 0 { return .closed }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        case ECONNRESET, EPIPE, ETIMEDOUT: return .closed
        default: throw .makeFailed("read")
        }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(SocketError) -> IOResult {
        let count = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if count >= 0 { return count == 0 ? .wouldBlock : .bytes(count) }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        case ECONNRESET, EPIPE, ETIMEDOUT: return .closed
        default: throw .makeFailed("send")
        }
    }

    /// The locally bound address (useful after binding port 0).
    public func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw .makeFailed("getsockname") }
        return SocketAddress(storage: storage)
    }

    public func shutdownWrite() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    public func close() { _ = Glibc.close(fd) }
}
