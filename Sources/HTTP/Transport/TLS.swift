import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL failure, with the library's error queue drained into `reasons` at the call site.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let reasons: [String]

    static func drain(_ operation: String) -> TLSError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSError(operation: operation, reasons: reasons)
    }

    public var description: String {
        "\(operation) failed" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; "))
    }
}

/// A configured `SSL_CTX`, for a server (certificate + key) or a client (trust store, verification).
///
/// Immutable after `init`; OpenSSL allows `SSL_new` on one context from many threads at once, so sharing
/// it is safe. This type's only job is to own that handle, which is why its Sendable conformance is unchecked.
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// A server context: TLS 1.2 and 1.3 only, no compression or renegotiation, server cipher preference.
    public static func server(certificateChainPath: String, privateKeyPath: String) throws(TLSError) -> TLSContext {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw .drain("SSL_CTX_new") }
        let tls = TLSContext(context)
        try tls.applyModernDefaults()
        _ = SSL_CTX_set_options(context, CURTAIL_SSL_OP_CIPHER_SERVER_PREFERENCE)
        guard SSL_CTX_use_certificate_chain_file(context, certificateChainPath) == 1 else {
            throw .drain("loading certificate chain")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw .drain("loading private key")
        }
        guard SSL_CTX_check_private_key(context) == 1 else { throw .drain("matching private key to certificate") }
        return tls
    }

    /// A client context that verifies the peer: against `trustedCertificatesPath` (a PEM bundle) when given,
    /// otherwise against the system trust store.
    public static func client(trustedCertificatesPath: String? = nil) throws(TLSError) -> TLSContext {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .drain("SSL_CTX_new") }
        let tls = TLSContext(context)
        try tls.applyModernDefaults()
        if let trustedCertificatesPath {
            guard SSL_CTX_load_verify_locations(context, trustedCertificatesPath, nil) == 1 else {
                throw .drain("loading trusted certificates")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw .drain("loading system trust store") }
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        return tls
    }

    private init(_ context: OpaquePointer) { self.context = context }

    private func applyModernDefaults() throws(TLSError) {
        guard curtail_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else { throw .drain("setting TLS 1.2 minimum") }
        _ = SSL_CTX_set_options(context, CURTAIL_SSL_OP_NO_COMPRESSION | CURTAIL_SSL_OP_NO_RENEGOTIATION | CURTAIL_SSL_OP_IGNORE_UNEXPECTED_EOF)
        // TLS 1.2 suites: forward-secret AEAD only. TLS 1.3 suites are all modern and keep OpenSSL's defaults.
        let ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
        guard SSL_CTX_set_cipher_list(context, ciphers) == 1 else { throw .drain("setting cipher list") }
        _ = curtail_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    deinit { SSL_CTX_free(context) }
}

/// One TLS connection over a non-blocking socket. Not `Sendable`: it belongs to the one connection that made it.
final class TLSSession {
    private let ssl: OpaquePointer

    /// - Parameter serverName: for a client, the host name sent as SNI and verified against the certificate.
    init(context: TLSContext, socket: Socket, serverName: String?) throws(TLSError) {
        guard let ssl = SSL_new(context.context) else { throw .drain("SSL_new") }
        self.ssl = ssl
        guard SSL_set_fd(ssl, socket.fd) == 1 else { throw .drain("SSL_set_fd") }
        if let serverName {
            _ = curtail_SSL_set_tlsext_host_name(ssl, serverName)
            // Verify the certificate names this host (or IP address) — chain verification alone is not enough.
            if SocketAddress(host: serverName, port: 0) != nil {
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1 else { throw .drain("setting IP to verify") }
            } else {
                guard SSL_set1_host(ssl, serverName) == 1 else { throw .drain("setting host to verify") }
            }
            SSL_set_connect_state(ssl)
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }

    /// Drives the handshake (if not done) and reads application data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> IOResult {
        ERR_clear_error()
        let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        return try outcome(of: count, "SSL_read")
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(TLSError) -> IOResult {
        guard buffer.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        let count = SSL_write(ssl, buffer.baseAddress, Int32(buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        return try outcome(of: count, "SSL_write")
    }

    /// Drives a client handshake to completion or to the next wait.
    func handshake() throws(TLSError) -> IOResult {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .bytes(1) }
        return try outcome(of: result, "TLS handshake")
    }

    /// Sends close_notify, best effort.
    func shutdown() { _ = SSL_shutdown(ssl) }

    private func outcome(of result: Int32, _ operation: String) throws(TLSError) -> IOResult {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let error = TLSError.drain(operation)
            if error.reasons.isEmpty { return .closed }  // EOF or reset underneath TLS
            throw error
        default:
            throw .drain(operation)
        }
    }
}

/// A byte stream over a socket, in the clear or through TLS. Owned by exactly one connection.
enum Transport {
    case plain(Socket)
    case tls(Socket, TLSSession)

    var socket: Socket {
        switch self {
        case .plain(let socket), .tls(let socket, _): socket
        }
    }

    /// Reads; a transport failure is reported as `.closed` after logging nothing secret.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        switch self {
        case .plain(let socket): (try? socket.read(into: buffer)) ?? .closed
        case .tls(_, let session): (try? session.read(into: buffer)) ?? .closed
        }
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> IOResult {
        switch self {
        case .plain(let socket): (try? socket.write(buffer)) ?? .closed
        case .tls(_, let session): (try? session.write(buffer)) ?? .closed
        }
    }

    func close() {
        if case .tls(_, let session) = self { session.shutdown() }
        socket.close()
    }
}
