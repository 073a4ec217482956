import Foundation

/// A complete HTTP request, as parsed by the server or built for the client.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target as sent (origin form: path and query).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The path, without the query, percent-decoded.
    public var path: String {
        let raw = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The raw (still percent-encoded) path, for routing by segment.
    public var rawPath: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// Query parameters, percent-decoded (`+` is a space), in order.
    public var query: QueryParameters {
        guard let mark = target.firstIndex(of: "?") else { return QueryParameters([]) }
        return QueryParameters(parsing: target[target.index(after: mark)...])
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        return version == .http11 || headers.hasToken("keep-alive", in: "Connection")
    }

    public var bodyData: Data { Data(body) }
}

/// Decoded query parameters, in order, duplicates kept.
public struct QueryParameters: Sendable, Sequence {
    public let items: [(name: String, value: String)]

    public init(_ items: [(name: String, value: String)]) { self.items = items }

    /// Parses `a=1&b=x+y` (application/x-www-form-urlencoded rules).
    public init(parsing text: Substring) {
        items = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (name: decode(parts[0]), value: parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public subscript(name: String) -> String? { items.first { $0.name == name }?.value }
    public func values(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { items.makeIterator() }
}

/// The protocol version of a message.
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}
