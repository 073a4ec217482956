import HTTP
import Postgres

/// The API layer's client-facing errors, each rendering as RFC 9457 problem+json with the right status.
public struct APIError: HTTPResponseError, SafeToLogError, Sendable {
    public let status: HTTPStatus
    public let detail: String
    public let errors: [Problem.FieldError]?
    public let headers: HTTPHeaders
    public let type: String

    init(_ status: HTTPStatus, _ detail: String, type: String = "about:blank", errors: [Problem.FieldError]? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.type = type
    }

    public var problem: Problem { Problem(status: status, detail: detail, type: type, errors: errors) }
    public var description: String { "APIError(\(status.code): \(detail))" }

    /// 401 with the challenge RFC 6750 §3 asks for.
    public static func unauthorized(_ detail: String, invalidToken: Bool) -> APIError {
        let challenge = invalidToken ? #"Bearer realm="curtail", error="invalid_token""# : #"Bearer realm="curtail""#
        return APIError(.unauthorized, detail, headers: ["WWW-Authenticate": challenge])
    }

    public static func forbidden(_ detail: String) -> APIError { APIError(.forbidden, detail) }
    /// 404: also the answer for another tenant's object, so existence does not leak.
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) was not found.") }
    public static func conflict(_ detail: String) -> APIError { APIError(.conflict, detail) }
    public static func badRequest(_ detail: String, errors: [Problem.FieldError]? = nil) -> APIError {
        APIError(.badRequest, detail, errors: errors)
    }
    public static func unprocessable(_ detail: String, errors: [Problem.FieldError]? = nil) -> APIError {
        APIError(.unprocessableContent, detail, errors: errors)
    }
    /// A single invalid field: 400 naming it.
    public static func invalidField(_ pointer: String, _ detail: String) -> APIError {
        APIError(.badRequest, "The request has an invalid field: \(pointer).", errors: [.init(pointer: pointer, detail: detail)])
    }
}

extension PostgresError: SafeToLogError {}
