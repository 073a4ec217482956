import Foundation
import HTTP

/// `POST /openadr3/3.0.1/auth/token`: OAuth 2 client credentials (RFC 6749 §4.4), for utility clients and operators.
///
/// Accepts the client's id and secret in the form body or as HTTP Basic (RFC 6749 §2.3.1), not both. Grants the
/// scopes the client was provisioned with (authorisation follows the client's role, as OpenADR 3 advises), and
/// refuses a request naming a scope the client does not hold. Errors use OAuth's `authError` shape, not problem+json.
public struct TokenRoutes: Sendable {
    let clients: ClientStore
    let tokenLifetime: Duration
    let limiter: AuthRateLimiter

    /// - Parameter limiter: counts failed attempts per client address and per client id (``AuthRateLimiter``).
    public init(clients: ClientStore, tokenLifetime: Duration, limiter: AuthRateLimiter = AuthRateLimiter()) {
        self.clients = clients
        self.tokenLifetime = tokenLifetime
        self.limiter = limiter
    }

    struct TokenResponse: Encodable {
        let access_token: String
        let token_type = "Bearer"
        let expires_in: Int
        let scope: String?
    }

    struct AuthError: Encodable {
        let error: String
        let error_description: String
    }

    public func register(on router: inout Router) {
        router.post("/openadr3/3.0.1/auth/token") { request, context in try await issue(request, context: context) }
    }

    func issue(_ request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else {
            return oauthError(.badRequest, "invalid_request", "Send the token request as application/x-www-form-urlencoded.")
        }
        let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
        if form.contains(where: { $0.name.utf8.contains(0) || $0.value.utf8.contains(0) }) {
            return oauthError(.badRequest, "invalid_request", "The form must not contain a NUL character (U+0000).")
        }
        guard let grant = form["grant_type"] else { return oauthError(.badRequest, "invalid_request", "grant_type is required.") }
        guard grant == "client_credentials" else {
            return oauthError(.badRequest, "unsupported_grant_type", "Only the client_credentials grant is supported.")
        }
        let basic = Self.basicCredentials(request.headers["Authorization"])
        let bodyCredentials = form["client_id"].map { ($0, form["client_secret"] ?? "") }
        if basic != nil && bodyCredentials != nil {
            return oauthError(.badRequest, "invalid_request", "Send client credentials in the body or as HTTP Basic, not both.")
        }
        guard let (clientID, secret) = basic ?? bodyCredentials, !clientID.isEmpty, !secret.isEmpty,
            clientID.utf8.count <= 4096, secret.utf8.count <= 4096
        else { return oauthError(.badRequest, "invalid_request", "client_id and client_secret are required.") }

        // Credential guessing: every check of a secret costs a token per address and per client id; a right
        // secret gives them back. With none left, nothing is checked (the guess is never evaluated).
        let permit: AuthRateLimiter.Permit
        switch limiter.acquire(address: context.remoteAddress, clientID: clientID) {
        case .allowed(let granted):
            permit = granted
        case .limited(let wait):
            let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            context.logger.warning(
                "token requests rate limited",
                metadata: ["client_address": "\(AuthRateLimiter.host(of: context.remoteAddress ?? "unknown"))", "retry_after": "\(seconds)"])
            var response = oauthError(
                .tooManyRequests, "temporarily_unavailable", "Too many failed attempts; retry after \(seconds) s.")
            response.headers["Retry-After"] = String(seconds)
            return response
        }
        guard let principal = try await clients.verify(clientID: clientID, secret: secret) else {
            var response = oauthError(.unauthorized, "invalid_client", "Unknown client or wrong secret.")
            response.headers["WWW-Authenticate"] = #"Basic realm="curtail""#
            return response
        }
        limiter.refund(permit)
        let requested = form["scope"].map(Scope.parseList) ?? []
        if let missing = requested.first(where: { !principal.scopes.contains($0) }) {
            return oauthError(.badRequest, "invalid_scope", "This client may not request the \(missing) scope.")
        }
        let token = try await clients.issueToken(for: principal, lifetime: tokenLifetime)
        // Echo `scope` only when it equals the request (or none was named): some OAuth libraries reject a differing one.
        let granted = principal.scopes.map(\.rawValue).sorted()
        let echo = requested.isEmpty || Set(requested) == principal.scopes ? granted.joined(separator: " ") : nil
        var response = try HTTPResponse.json(
            encoding: TokenResponse(access_token: token, expires_in: Int(tokenLifetime.components.seconds), scope: echo))
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    private func oauthError(_ status: HTTPStatus, _ error: String, _ description: String) -> HTTPResponse {
        var response = (try? HTTPResponse.json(encoding: AuthError(error: error, error_description: description), status: status))
            ?? HTTPResponse(status: status)
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    /// `Authorization: Basic base64(id:secret)`, with both parts form-urlencoded per RFC 6749 §2.3.1.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
        return (decode(text[..<colon]), decode(text[text.index(after: colon)...]))
    }
}
