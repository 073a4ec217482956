import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

/// ``WebhookTransport`` over Foundation's `URLSession` (libcurl on Linux), with redirects refused.
///
/// Stand-in until Curtail's own `HTTPClient` (Sources/HTTP/Client) is on this branch; swapping it in is a
/// ten-line conformance.
public struct URLSessionWebhookTransport: WebhookTransport {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    public func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration)
        async throws
        -> Int
    {
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw WebhookTransportError("invalid callback URL") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        for header in headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        let session = self.session
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let task = session.dataTask(with: request) { _, response, error in
                    if let status = (response as? HTTPURLResponse)?.statusCode {
                        continuation.resume(returning: status)
                    } else if let error = error as? URLError {
                        continuation.resume(throwing: WebhookTransportError("URLError \(error.code.rawValue)"))
                    } else {
                        continuation.resume(
                            throwing: WebhookTransportError(error == nil ? "no response" : "transport failure"))
                    }
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }
}

/// Holds the running task so cancellation can reach it. Its only job is to own that reference under a lock.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func set(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        let cancelNow = cancelled
        lock.unlock()
        if cancelNow { task.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}

/// Answers every redirect with "don't follow": the 3xx itself becomes the delivery's status. Stateless.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
