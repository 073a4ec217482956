import Foundation
import HTTP

/// Sends one webhook POST and reports the status code: the seam between the delivery worker and an HTTP client.
///
/// Implementations must not follow redirects (a callback answering 3xx is a failed delivery, README §9), must give
/// up after `timeout`, and must not log the request's headers (they carry the subscriber's bearer token).
public protocol WebhookTransport: Sendable {
    /// POSTs `body` to `url` with `headers`.
    /// - Returns: the response's status code (any code: the worker decides what counts as success).
    /// - Throws: ``WebhookTransportError`` when no response arrived (connect failure, timeout, bad URL).
    func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) async throws
        -> Int
}

/// A delivery that got no HTTP response. `description` names the failure, never the URL's query or a header.
public struct WebhookTransportError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "WebhookTransportError(\(reason))" }
}

/// ``WebhookTransport`` over Curtail's own ``HTTPClient`` (which never follows redirects), connecting only where a
/// ``WebhookDestinationPolicy`` permits, judged by the address each host name resolves to at delivery time.
public struct HTTPClientWebhookTransport: WebhookTransport {
    private let client: HTTPClient

    /// - Parameter policy: where notifications may go. Defaults to public addresses only.
    public init(policy: WebhookDestinationPolicy = .publicOnly) {
        client = HTTPClient(configuration: HTTPClientConfiguration(permitsDestination: { policy.permits($0) }))
    }

    public func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) async throws -> Int {
        do {
            let request = HTTPClientRequest(method: .post, url: url, headers: HTTPHeaders(headers.map { ($0.name, $0.value) }), body: body)
            return try await client.execute(request, timeout: timeout).status.code
        } catch {
            // The code names the failure (connectFailed, timeout, ...); the URL's query and headers stay out of it.
            throw WebhookTransportError("\(error.code)")
        }
    }
}
