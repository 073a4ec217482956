import HTTP
import Logging
import Postgres

/// Answers the database's transient failures as what they are, not as a 500 (a server bug):
///
/// - a deadlock (40P01) or serialization failure (40001) rolled the handler's transaction back, so a request with an
///   idempotent method (GET, HEAD, PUT, DELETE: RFC 9110 §9.2.2) is run once more; if that fails the same way, or
///   the method is not idempotent, the answer is 503 with `Retry-After`.
/// - no pooled connection within the pool's timeout (every connection busy), or the connection to PostgreSQL lost:
///   503 with `Retry-After`; the client may come back in a moment.
///
/// Everything else passes through untouched. Installed with ``Router/add(handlerMiddleware:)`` so it sees the
/// handler's errors before they are rendered.
public struct TransientDatabaseFailures: Middleware {
    /// Seconds a client is asked to wait.
    public var retryAfter = 1

    public init() {}

    public func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        do {
            return try await next(request, context)
        } catch let error as PostgresError where error.isDeadlock || error.isSerializationFailure {
            guard Self.isIdempotent(request.method) else { throw unavailable(error, context: context) }
            context.logger.warning("transaction conflict, running the request once more", metadata: ["error": "\(error)"])
            do {
                return try await next(request, context)
            } catch let again as PostgresError where again.isDeadlock || again.isSerializationFailure {
                throw unavailable(again, context: context)
            }
        } catch let error as PostgresError where error.isConnectionLoss {
            throw unavailable(error, context: context)
        }
    }

    static func isIdempotent(_ method: HTTPMethod) -> Bool { [.get, .head, .put, .delete].contains(method) }

    private func unavailable(_ error: PostgresError, context: RequestContext) -> APIError {
        context.logger.warning("database busy or unreachable, answering 503", metadata: ["error": "\(error)"])
        let detail =
            error.code == .poolTimeout
            ? "The database is busy; retry in a moment."
            : error.isConnectionLoss ? "The database is unreachable; retry in a moment." : "The request conflicted with another; retry it."
        return APIError(.serviceUnavailable, detail, headers: ["Retry-After": String(retryAfter)])
    }
}
