import Foundation
import HTTP

/// The refresh-token grant both vendors use (RFC 6749 §6), and how its answers are classified.
///
/// | answer | kind |
/// | --- | --- |
/// | 200 with `access_token` | credentials; `refresh_token` kept from the request when the vendor sends none |
/// | 400/401/403 `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope` | `.permanent`: our client configuration is wrong, not the driver's consent |
/// | 400/401/403 anything else (`invalid_grant`, `login_required`, no body) | `.needsReconsent` |
/// | 429 | `.rateLimited(Retry-After)` |
/// | 5xx, transport failures | `.retryable` |
/// | other | `.permanent` |
enum OAuthRefresh {
    static func run(
        transport: VendorTransport, url: String, fields: [(String, String)], headers: HTTPHeaders,
        refreshToken: String, timeout: Duration, now: Date
    ) async throws(VendorError) -> VendorCredentials {
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Accept"] = "application/json"
        headers["User-Agent"] = VendorTransport.userAgent
        let request = HTTPClientRequest(method: .post, url: url, headers: headers, body: VendorText.formEncoded(fields))
        let response = try await transport.execute(request, timeout: timeout, operation: "token_refresh")
        let status = response.status.code
        if (200..<300).contains(status) {
            guard let token = VendorText.decode(VendorText.TokenResponse.self, from: response.body),
                let access = token.access_token, !access.isEmpty
            else { throw VendorError.unexpectedBody("token response without access_token", status: status) }
            let lifetime = token.expires_in ?? 3600
            return VendorCredentials(
                accessToken: access, refreshToken: token.refresh_token.flatMap { $0.isEmpty ? nil : $0 } ?? refreshToken,
                expiresAt: now.addingTimeInterval(lifetime))
        }
        throw classify(response, refreshToken: refreshToken, now: now)
    }

    static func classify(_ response: HTTPResponse, refreshToken: String, now: Date) -> VendorError {
        let status = response.status.code
        let code = VendorText.decode(VendorText.OAuthError.self, from: response.body)?.error
        let reason = "oauth: " + VendorText.safeReason(code ?? "HTTP \(status)", redacting: [refreshToken])
        switch status {
        case 429:
            return VendorError(.rateLimited(retryAfter: RetryAfter.seconds(in: response, now: now)), reason: reason, status: status)
        case 500...599:
            return VendorError(.retryable, reason: reason, status: status)
        case 400, 401, 403:
            let configuration: Set<String> = ["invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope"]
            if let code, configuration.contains(code) { return VendorError(.permanent, reason: reason, status: status) }
            return VendorError(.needsReconsent, reason: reason, status: status)
        default:
            return VendorError(.permanent, reason: reason, status: status)
        }
    }
}
