/// Collects routes and middleware at start-up, then freezes into an immutable ``RouterResponder``.
///
/// Patterns are `/`-separated segments; `:name` captures one segment into `context.parameters["name"]`,
/// and a final `*` matches the rest of the path (captured as `parameters["*"]`).
/// `HEAD` is served by the `GET` route when no `HEAD` route exists (the server drops the body).
public struct Router: Sendable {
    private var root = RouteNode()
    private var middleware: [any Middleware] = []
    private var handlerMiddleware: [any Middleware] = []

    public init() {}

    /// Adds `middleware` around every route (first added is outermost). It sees every response, errors already
    /// rendered as problem+json.
    public mutating func add(middleware: any Middleware) { self.middleware.append(middleware) }

    /// Adds `middleware` right around every route's handler, inside the error rendering (first added is outermost):
    /// unlike ``add(middleware:)`` it sees the errors the handler throws, to translate them or to retry.
    public mutating func add(handlerMiddleware: any Middleware) { self.handlerMiddleware.append(handlerMiddleware) }

    public mutating func on(_ method: HTTPMethod, _ pattern: String, handler: @escaping HTTPHandler) {
        root.insert(segments: Self.segments(of: Substring(pattern))[...], method: method, pattern: pattern, handler: handler)
    }

    public mutating func get(_ pattern: String, handler: @escaping HTTPHandler) { on(.get, pattern, handler: handler) }
    public mutating func post(_ pattern: String, handler: @escaping HTTPHandler) { on(.post, pattern, handler: handler) }
    public mutating func put(_ pattern: String, handler: @escaping HTTPHandler) { on(.put, pattern, handler: handler) }
    public mutating func patch(_ pattern: String, handler: @escaping HTTPHandler) { on(.patch, pattern, handler: handler) }
    public mutating func delete(_ pattern: String, handler: @escaping HTTPHandler) { on(.delete, pattern, handler: handler) }

    /// Freezes the routes and middleware.
    public func buildResponder() -> RouterResponder {
        RouterResponder(root: root, middleware: middleware, handlerMiddleware: handlerMiddleware)
    }

    static func segments(of path: Substring) -> [Substring] { path.split(separator: "/") }
}

struct RouteNode: Sendable {
    struct Endpoint: Sendable {
        let pattern: String
        let handler: HTTPHandler
    }

    var literals: [Substring: RouteNode] = [:]
    var parameter: (name: String, node: Box)?
    var catchAll: [HTTPMethod: Endpoint] = [:]
    var endpoints: [HTTPMethod: Endpoint] = [:]

    /// Indirection for the recursive parameter child.
    final class Box: Sendable {
        let node: RouteNode
        init(_ node: RouteNode) { self.node = node }
    }

    mutating func insert(segments: ArraySlice<Substring>, method: HTTPMethod, pattern: String, handler: @escaping HTTPHandler) {
        guard let first = segments.first else {
            endpoints[method] = Endpoint(pattern: pattern, handler: handler)
            return
        }
        if first == "*" {
            catchAll[method] = Endpoint(pattern: pattern, handler: handler)
        } else if first.hasPrefix(":") {
            var child = parameter?.node.node ?? RouteNode()
            child.insert(segments: segments.dropFirst(), method: method, pattern: pattern, handler: handler)
            parameter = (String(first.dropFirst()), Box(child))
        } else {
            literals[first, default: RouteNode()].insert(segments: segments.dropFirst(), method: method, pattern: pattern, handler: handler)
        }
    }

    /// The endpoints at `segments`, filling `parameters`; literal matches win over parameters.
    func find(_ segments: ArraySlice<Substring>, parameters: inout [String: String]) -> [HTTPMethod: Endpoint]? {
        guard let first = segments.first else { return endpoints.isEmpty ? nil : endpoints }
        if let literal = literals[first], let found = literal.find(segments.dropFirst(), parameters: &parameters) {
            return found
        }
        if let (name, box) = parameter {
            var attempt = parameters
            attempt[name] = first.removingPercentEncoding ?? String(first)
            if let found = box.node.find(segments.dropFirst(), parameters: &attempt) {
                parameters = attempt
                return found
            }
        }
        if !catchAll.isEmpty {
            parameters["*"] = segments.joined(separator: "/")
            return catchAll
        }
        return nil
    }
}

/// The frozen router: matches, runs middleware and the handler, and renders every error as problem+json.
public struct RouterResponder: HTTPResponder {
    let root: RouteNode
    let middleware: [any Middleware]
    let handlerMiddleware: [any Middleware]

    public func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        var context = context
        let handler = handlerMiddleware.reversed().reduce(route(request, context: &context)) { next, layer in
            { request, context in try await layer.handle(request, context: context, next: next) }
        }
        // Errors become responses innermost, so middleware (metrics, logging) sees the real status.
        var chain: HTTPHandler = { request, context in
            do { return try await handler(request, context) } catch { return Self.render(error, context: context) }
        }
        for layer in middleware.reversed() {
            let next = chain
            chain = { request, context in try await layer.handle(request, context: context, next: next) }
        }
        do {
            return try await chain(request, context)
        } catch {
            return Self.render(error, context: context)
        }
    }

    private func route(_ request: HTTPRequest, context: inout RequestContext) -> HTTPHandler {
        var parameters: [String: String] = [:]
        guard let endpoints = root.find(Router.segments(of: request.rawPath)[...], parameters: &parameters) else {
            return { _, _ in throw HTTPError(.notFound, "No resource at \(request.path).") }
        }
        let endpoint = endpoints[request.method] ?? (request.method == .head ? endpoints[.get] : nil)
        guard let endpoint else {
            var allowed = Set(endpoints.keys.map(\.rawValue))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            context.route = endpoints.values.first?.pattern
            return { _, _ in
                throw HTTPError(.methodNotAllowed, "\(request.method) is not allowed here; use \(allow).", headers: ["Allow": allow])
            }
        }
        context.parameters = parameters
        context.route = endpoint.pattern
        return endpoint.handler
    }

    static func render(_ error: any Error, context: RequestContext) -> HTTPResponse {
        if !(error is any HTTPResponseError) {
            // The body says nothing; the log line, keyed by request id, says what happened. Only errors that chose
            // to be (``SafeToLogError``) are described; for any other, the
            // reflected fields could hold a token, so only the type is logged.
            let description = (error as? any SafeToLogError)?.description ?? "(not described)"
            context.logger.error(
                "unhandled error in handler",
                metadata: ["error_type": "\(String(reflecting: type(of: error)))", "error": "\(description)"])
        }
        return .error(error)
    }
}
