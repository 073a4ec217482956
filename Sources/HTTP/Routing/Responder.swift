import Logging

/// What a handler knows besides the request: path parameters, the request's id and logger, the peer.
public struct RequestContext: Sendable {
    /// Path parameters captured by the route (`/v1/vehicles/:id` → `parameters["id"]`), percent-decoded.
    public var parameters: [String: String]
    /// The request's id: the client's `X-Request-Id` when sane, else generated. Echoed in the response.
    public var requestID: String
    /// A logger carrying `request_id` metadata.
    public var logger: Logger
    /// The matched route pattern (`/v1/vehicles/:id`), or `nil` for no match; a low-cardinality metrics label.
    public var route: String?
    /// The peer's address.
    public var remoteAddress: String?

    public init(requestID: String, logger: Logger, remoteAddress: String? = nil) {
        self.parameters = [:]
        self.requestID = requestID
        self.logger = logger
        self.route = nil
        self.remoteAddress = remoteAddress
    }

    /// The path parameter `name`, or a 400 naming it.
    public func parameter(_ name: String) throws(HTTPError) -> String {
        guard let value = parameters[name] else { throw HTTPError(.badRequest, "missing path parameter \(name)") }
        return value
    }
}

/// Turns a request into a response; never throws (errors are rendered into responses).
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse
}

/// A route handler. Throw ``HTTPResponseError``s for client errors.
public typealias HTTPHandler = @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

/// Wraps every request: pass it on with `next`, answer it yourself, or rewrite the response.
///
/// ```swift
/// struct Timing: Middleware {
///     func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
///         let start = ContinuousClock.now
///         defer { context.logger.info("took \(ContinuousClock.now - start)") }
///         return try await next(request, context)
///     }
/// }
/// ```
public protocol Middleware: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse
}
