import Foundation
import HTTP
import Logging
import Synchronization
import Testing

@testable import Vendors

/// A scripted vendor cloud on the project's HTTPServer: each `METHOD /path` answers its queued responses in order
/// (the last one repeats); anything unscripted is a 404. Every request is recorded for assertions.
final class FakeVendor: Sendable {
    struct Recorded: Sendable {
        let method: HTTPMethod
        let target: String
        let path: String
        let headers: HTTPHeaders
        let body: [UInt8]
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        var scripts: [String: [HTTPResponse]] = [:]
        var delays: [String: Duration] = [:]
        var requests: [Recorded] = []
    }

    private let state = Mutex(State())

    func on(_ method: HTTPMethod, _ path: String, _ responses: HTTPResponse..., delay: Duration? = nil) {
        state.withLock {
            $0.scripts["\(method.rawValue) \(path)"] = responses
            if let delay { $0.delays["\(method.rawValue) \(path)"] = delay }
        }
    }

    var requests: [Recorded] { state.withLock { $0.requests } }

    func requests(to path: String) -> [Recorded] { requests.filter { $0.path == path } }

    fileprivate func respond(_ request: HTTPRequest) async -> HTTPResponse {
        let key = "\(request.method.rawValue) \(request.path)"
        let (response, delay) = state.withLock { state -> (HTTPResponse?, Duration?) in
            state.requests.append(
                Recorded(
                    method: request.method, target: request.target, path: request.path, headers: request.headers,
                    body: request.body))
            guard var queue = state.scripts[key], !queue.isEmpty else { return (nil, nil) }
            let next = queue.count > 1 ? queue.removeFirst() : queue[0]
            state.scripts[key] = queue
            return (next, state.delays[key])
        }
        if let delay { try? await Task.sleep(for: delay) }
        return response ?? .json(Array(#"{"response":null,"error":"not_found","error_description":""}"#.utf8), status: .notFound)
    }
}

/// Starts a ``FakeVendor`` on port 0 and a client, runs `body` with the fake's origin, and always shuts both down.
func withFakeVendor<Result>(
    _ body: (FakeVendor, String, HTTPClient) async throws -> Result
) async throws -> Result {
    let fake = FakeVendor()
    var router = Router()
    router.get("/*") { request, _ in await fake.respond(request) }
    router.post("/*") { request, _ in await fake.respond(request) }
    let logger = Logger(label: "test.vendors.fake") { _ in SwiftLogNoOpLogHandler() }
    let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: router.buildResponder(), logger: logger)
    let address = try server.start()
    let client = HTTPClient()
    do {
        let result = try await body(fake, "http://127.0.0.1:\(address.port)", client)
        await client.shutdown()
        await server.shutdown(gracePeriod: .seconds(2))
        return result
    } catch {
        await client.shutdown()
        await server.shutdown(gracePeriod: .seconds(2))
        throw error
    }
}

/// Short deadlines so a broken test fails fast.
extension VendorTimeouts {
    static let test = VendorTimeouts(data: .seconds(5), command: .seconds(5), token: .seconds(5))
}

let fixedNow = Date(timeIntervalSince1970: 1_767_225_600)
let quietLogger = Logger(label: "test.vendors") { _ in SwiftLogNoOpLogHandler() }

/// Runs `body` and returns the ``VendorError`` it throws; records a test failure when it throws nothing or another
/// error.
func vendorError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> VendorError? {
    do {
        let value = try await body()
        Issue.record("expected a VendorError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as VendorError {
        return error
    } catch {
        Issue.record("expected a VendorError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

func json(_ text: String, status: Int = 200, headers: HTTPHeaders = [:]) -> HTTPResponse {
    var response = HTTPResponse.json(Array(text.utf8), status: HTTPStatus(code: status))
    for (name, value) in headers { response.headers[name] = value }
    return response
}
