import Foundation

/// An RFC 9457 problem details object, rendered as `application/problem+json`.
///
/// Every error response Curtail sends is built from one of these, in one place (``HTTPResponse/problem(_:)``).
public struct Problem: Sendable, Codable, Equatable {
    /// A URI reference naming the problem type; `about:blank` when the status says it all.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    /// Field-level errors for validation failures: where and what.
    public var errors: [FieldError]?

    public struct FieldError: Sendable, Codable, Equatable {
        /// A JSON pointer into the request body (`/intervals/0/payloads`), or a parameter name.
        public var pointer: String
        public var detail: String
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public init(
        status: HTTPStatus, title: String? = nil, detail: String? = nil, type: String = "about:blank",
        instance: String? = nil, errors: [FieldError]? = nil
    ) {
        self.type = type
        self.title = title ?? status.reason
        self.status = status.code
        self.detail = detail
        self.instance = instance
        self.errors = errors
    }
}

/// An error that knows how to answer: its status, extra headers, and the problem it renders.
///
/// Throw one from a handler and the router renders it; any other error becomes a 500 that reveals nothing.
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    var headers: HTTPHeaders { get }
    var problem: Problem { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { [:] }
    public var problem: Problem { Problem(status: status) }
}

/// The general-purpose ``HTTPResponseError``: a status, a human detail, optional field errors and headers.
public struct HTTPError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPStatus
    public let detail: String?
    public let errors: [Problem.FieldError]?
    public let headers: HTTPHeaders
    public let title: String?

    public init(_ status: HTTPStatus, _ detail: String? = nil, title: String? = nil, errors: [Problem.FieldError]? = nil,
                headers: HTTPHeaders = [:]) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.title = title
    }

    public var problem: Problem { Problem(status: status, title: title, detail: detail, errors: errors) }
    public var description: String { "HTTPError(\(status.code)\(detail.map { ": \($0)" } ?? ""))" }
}

extension HTTPParseError: HTTPResponseError {
    public var problem: Problem { Problem(status: status, detail: detail) }
}

extension HTTPResponse {
    /// The one place a problem becomes a response.
    public static func problem(_ problem: Problem, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/problem+json"
        let body = (try? JSONCoding.encoder.encode(problem)) ?? Data()
        return HTTPResponse(status: HTTPStatus(code: problem.status), headers: headers, body: Array(body))
    }

    /// Renders an error: an ``HTTPResponseError`` as itself, anything else as an opaque 500.
    public static func error(_ error: any Error) -> HTTPResponse {
        if let error = error as? any HTTPResponseError {
            return .problem(error.problem, headers: error.headers)
        }
        return .problem(Problem(status: .internalServerError, detail: "The server failed to handle the request."))
    }
}

/// An error whose `description` is written to hold no secret (no token, SQL parameter or request body),
/// so it may appear in logs. Errors without this mark are logged by type only.
public protocol SafeToLogError: Error, CustomStringConvertible {}

extension SocketError: SafeToLogError {}
extension TLSError: SafeToLogError {}
extension HTTPParseError: SafeToLogError {}
