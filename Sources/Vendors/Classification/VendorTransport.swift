import Foundation
import HTTP
import Logging

/// Sends one vendor request over the shared ``HTTPClient`` and turns transport failures into ``VendorError``s.
///
/// Logs one `debug` line per call with the vendor, the operation name (never the URL: it may hold ids the caller
/// treats as personal data), the status and the duration. Headers, bodies and tokens are never logged.
struct VendorTransport: Sendable {
    let client: HTTPClient
    let vendor: VendorName
    let logger: Logger

    static let userAgent = "curtail/1.0"

    func execute(
        _ request: HTTPClientRequest, timeout: Duration, operation: String
    ) async throws(VendorError) -> HTTPResponse {
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: timeout)
            logger.debug(
                "vendor call",
                metadata: [
                    "vendor": "\(vendor)", "operation": "\(operation)", "status": "\(response.status.code)",
                    "duration": "\(ContinuousClock.now - started)",
                ])
            return response
        } catch {
            logger.debug(
                "vendor call failed",
                metadata: ["vendor": "\(vendor)", "operation": "\(operation)", "error": "\(error.code)"])
            throw VendorError.transport(error)
        }
    }
}

extension VendorError {
    /// No usable HTTP answer: the connection failed, timed out or broke (retryable), or the request could not be
    /// sent as configured (permanent: a bad base URL or TLS setup will not fix itself).
    static func transport(_ error: HTTPClientError) -> VendorError {
        let reason = "transport: \(error.code)"
        switch error.code {
        case .timeout, .connectFailed, .connectionClosed, .invalidResponse, .tooManyWaiters, .cancelled:
            return VendorError(.retryable, reason: reason)
        default:
            // invalidURL, invalidRequest, tlsFailed, poolShutdown: configuration or lifecycle, not the vendor.
            return VendorError(.permanent, reason: reason)
        }
    }

    /// A 2xx whose body is not the documented shape. Usually a proxy or an outage page: retry later.
    static func unexpectedBody(_ what: String, status: Int) -> VendorError {
        VendorError(.retryable, reason: "unexpected response body: \(what)", status: status)
    }

    /// A request Curtail refuses to send (bad input), as the vendor would have refused it.
    static func invalidInput(_ reason: String) -> VendorError {
        VendorError(.permanent, reason: reason)
    }
}
