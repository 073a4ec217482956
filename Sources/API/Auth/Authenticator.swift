import HTTP
import Postgres

/// Turns `Authorization: Bearer …` into a ``Principal``, or a 401 that says how to authenticate.
public struct Authenticator: Sendable {
    let clients: ClientStore

    public init(clients: ClientStore) { self.clients = clients }

    /// - Throws: 401 (with `WWW-Authenticate`) for a missing, malformed, unknown or expired token.
    public func authenticate(_ request: HTTPRequest) async throws -> Principal {
        guard let header = request.headers["Authorization"] else {
            throw APIError.unauthorized("This endpoint needs a bearer token (POST /openadr3/3.0.1/auth/token).", invalidToken: false)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].utf8.count <= 512 else {
            throw APIError.unauthorized("The Authorization header must be 'Bearer <token>'.", invalidToken: true)
        }
        guard let principal = try await clients.principal(forToken: String(parts[1])) else {
            throw APIError.unauthorized("The bearer token is invalid or has expired.", invalidToken: true)
        }
        return principal
    }

    /// Authenticates and checks one scope: 401 without a valid token, 403 without the scope.
    public func authorize(_ request: HTTPRequest, _ scope: Scope) async throws -> Principal {
        let principal = try await authenticate(request)
        try principal.require(scope)
        return principal
    }

    /// Authenticates and requires any one of `scopes`.
    public func authorize(_ request: HTTPRequest, anyOf scopes: [Scope]) async throws -> Principal {
        let principal = try await authenticate(request)
        guard scopes.contains(where: principal.scopes.contains) else {
            throw APIError.forbidden("This operation needs one of the scopes: \(scopes.map(\.rawValue).joined(separator: ", ")).")
        }
        return principal
    }
}
