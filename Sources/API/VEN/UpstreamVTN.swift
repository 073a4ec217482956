import Foundation
import HTTP
import OpenADR

/// The upstream utility VTN as Curtail's VEN role calls it: OAuth 2 client credentials, then JSON over
/// Curtail's own ``HTTPClient`` with the bearer token (fetched again once when the upstream answers 401).
///
/// The token endpoint is `CURTAIL_VEN_TOKEN_URL` when set; otherwise it is discovered the 3.1 way
/// (`GET {base}/auth/server` → `tokenURL`), falling back to the 3.0.1 YAML's relative `tokenUrl: auth/token`,
/// i.e. `{base}/auth/token`. The client secret goes only into the token request's form body; errors name the
/// status and the upstream problem's `detail`, never a header or the secret.
public struct UpstreamVTN: Sendable {
    public let configuration: VENConfiguration
    let client: HTTPClient
    let tokens: TokenCache
    let timeout: Duration

    public init(configuration: VENConfiguration, client: HTTPClient, timeout: Duration = .seconds(15)) {
        self.configuration = configuration
        self.client = client
        self.tokens = TokenCache()
        self.timeout = timeout
    }

    /// A call that did not succeed: the upstream answered `status` (with its problem `detail`), or nothing came back.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var status: Int?
        public var detail: String
        public var description: String { status.map { "upstream answered \($0): \(detail)" } ?? "upstream unreachable: \(detail)" }
    }

    /// GETs `path` (relative to the base, query included) and decodes `T`.
    public func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response = try await call(.get, path, body: nil)
        return try decode(T.self, response)
    }

    /// GETs every page of a collection (`skip`/`limit` 50, the spec's maximum).
    public func getAll<T: Decodable>(_ path: String, as type: T.Type) async throws -> [T] {
        var all: [T] = []
        let separator = path.contains("?") ? "&" : "?"
        while true {
            let page = try await get("\(path)\(separator)skip=\(all.count)&limit=50", as: [T].self)
            all += page
            if page.count < 50 { return all }
        }
    }

    /// Sends `body` as JSON with `method` (POST or PUT) and decodes the answer.
    public func send<T: Codable>(_ method: HTTPMethod, _ path: String, _ body: T) async throws -> T {
        let response = try await call(method, path, body: Array(try OpenADRJSON.encode(body)))
        return try decode(T.self, response)
    }

    /// DELETE `path`; a 404 counts as done.
    public func delete(_ path: String) async throws {
        do {
            _ = try await call(.delete, path, body: nil)
        } catch let failure as Failure where failure.status == 404 {}
    }

    /// Percent-encodes a query value.
    public static func query(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do {
            return try OpenADRJSON.decode(T.self, from: Data(response.body))
        } catch {
            throw Failure(status: response.status.code, detail: "unreadable \(T.self): \(error.description)")
        }
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> HTTPResponse {
        var retried = false
        while true {
            let token = try await tokens.token { try await fetchToken() }
            var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
            if body != nil { headers["Content-Type"] = "application/json" }
            let response = try await execute(HTTPClientRequest(method: method, url: configuration.upstreamURL + path, headers: headers, body: body ?? []))
            if response.status.code == 401 && !retried {
                await tokens.invalidate(token)
                retried = true
                continue
            }
            guard (200..<300).contains(response.status.code) else {
                throw Failure(status: response.status.code, detail: Self.problemDetail(response))
            }
            return response
        }
    }

    private func execute(_ request: HTTPClientRequest) async throws -> HTTPResponse {
        do {
            return try await client.execute(request, timeout: timeout)
        } catch {
            throw Failure(status: nil, detail: "\(error.code)")
        }
    }

    private static func problemDetail(_ response: HTTPResponse) -> String {
        struct Problem: Decodable { var detail: String?; var title: String?; var error: String? }
        let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body))
        return (problem?.detail ?? problem?.title ?? problem?.error ?? "no detail").prefix(300).description
    }

    // MARK: - OAuth 2 client credentials

    struct TokenResponse: Decodable {
        let access_token: String
        let expires_in: Int?
    }

    private func fetchToken() async throws -> (String, Date) {
        let url = try await tokenURL()
        let form = "grant_type=client_credentials&client_id=\(Self.query(configuration.clientID))&client_secret=\(Self.query(configuration.clientSecret))"
        let response = try await execute(
            HTTPClientRequest(method: .post, url: url, headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"], body: Array(form.utf8)))
        guard response.status.code == 200, let token = try? JSONDecoder().decode(TokenResponse.self, from: Data(response.body)) else {
            throw Failure(status: response.status.code, detail: "token request refused: \(Self.problemDetail(response))")
        }
        // Renew a minute early (or at half-life for short tokens) so a call never carries a token about to expire.
        let lifetime = TimeInterval(token.expires_in ?? 300)
        return (token.access_token, Date().addingTimeInterval(max(lifetime / 2, lifetime - 60)))
    }

    /// The configured token URL, else `tokenURL` from `GET {base}/auth/server` (3.1), else `{base}/auth/token`.
    func tokenURL() async throws -> String {
        if let configured = configuration.tokenURL { return configured }
        struct Server: Decodable { let tokenURL: String }
        let discovery = try? await client.execute(
            HTTPClientRequest(method: .get, url: configuration.upstreamURL + "/auth/server", headers: ["Accept": "application/json"]), timeout: timeout)
        if let discovery, discovery.status.code == 200, let server = try? JSONDecoder().decode(Server.self, from: Data(discovery.body)),
            let resolved = URL(string: server.tokenURL, relativeTo: URL(string: configuration.upstreamURL + "/"))?.absoluteString
        {
            return resolved
        }
        return configuration.upstreamURL + "/auth/token"
    }
}

/// The current upstream access token, shared by concurrent calls (one token request at a time).
actor TokenCache {
    private var current: (token: String, renewAt: Date)?

    func token(fetch: @Sendable () async throws -> (String, Date)) async throws -> String {
        if let current, current.renewAt > Date() { return current.token }
        let fetched = try await fetch()
        current = (fetched.0, fetched.1)
        return fetched.0
    }

    func invalidate(_ token: String) {
        if current?.token == token { current = nil }
    }
}
