#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed socket call, with `errno` captured at the call site.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `"bind"`.
    public let operation: String
    /// The `errno` it left.
    public let code: Int32

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }

    /// Captures `errno` now; call it immediately after the failing syscall.
    static func makeFailed(_ operation: String) -> SocketError {
        SocketError(operation: operation, code: errno)
    }
}
