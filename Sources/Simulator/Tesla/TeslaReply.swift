import HTTP

/// Tesla Fleet API bodies (shared/vendors/tesla-fleet.md §3, §6): `{"response": …}` on success,
/// `{"response":null,"error":"…","error_description":""}` on errors, `application/json` on every JSON reply.
enum TeslaReply {
    static func ok(_ response: JSONValue) -> HTTPResponse {
        .json(JSONValue.object([("response", response)]).bytes)
    }

    static func error(_ status: Int, _ error: String, description: String = "") -> HTTPResponse {
        .json(
            JSONValue.object([
                ("response", .null), ("error", .string(error)), ("error_description", .string(description)),
            ])
            .bytes, status: HTTPStatus(code: status))
    }

    /// Command answers are HTTP 200 even when the car refuses.
    static func result(_ ok: Bool, _ reason: String = "") -> HTTPResponse {
        .json(JSONValue.object([("response", .object([("result", .bool(ok)), ("reason", .string(reason))]))]).bytes)
    }

    /// A command refusal as the tesla-http-proxy relays it.
    static func proxyResult(_ ok: Bool, _ reason: String) -> HTTPResponse {
        let text = ok || reason.isEmpty ? reason : "car could not execute command: " + reason
        return .json(
            JSONValue.object([
                ("response", .object([("result", .bool(ok)), ("reason", .string(text))])), ("error", .string("")),
                ("error_description", .string("")),
            ]).bytes)
    }

    /// 429: a plain-text body and the rate-limit headers (§6).
    static func tooManyRequests(_ throttle: Throttle) -> HTTPResponse {
        HTTPResponse(
            status: .tooManyRequests,
            headers: [
                "Content-Type": "text/plain; charset=utf-8", "Retry-After": String(throttle.retryAfter),
                "RateLimit-Limit": String(throttle.limit), "RateLimit-Remaining": "0",
                "RateLimit-Reset": String(throttle.retryAfter),
            ], body: Array("Retry in \(throttle.retryAfter) seconds".utf8))
    }

    static let asleep = error(408, "vehicle unavailable: vehicle is offline or asleep")
    static let notFound = error(404, "not_found")

    /// An injected error status, with the body Tesla (or its proxy) gives for it.
    static func injected(_ status: Int) -> HTTPResponse {
        switch status {
        case 401: error(401, "token expired (401)")
        case 403: error(403, "Unauthorized missing scopes")
        case 404: notFound
        case 408: asleep
        case 412:
            error(
                412,
                "Account sim-client must be registered in the current region https://fleet-api.prd.na.vn.cloud.tesla.com/, please see https://developer.tesla.com/docs/fleet-api/endpoints/partner-endpoints#register"
            )
        case 421:
            {
                var r = error(
                    421,
                    "user out of region, use base URL: https://fleet-api.prd.eu.vn.cloud.tesla.com, see https://developer.tesla.com/docs/fleet-api#regional-requirements"
                )
                r.headers["Alt-Svc"] = "h2=https://fleet-api.prd.eu.vn.cloud.tesla.com"
                return r
            }()
        case 429: tooManyRequests(Throttle(retryAfter: 60, limit: 30))
        case 451: error(451, "unavailable for legal reasons")
        case 500: error(500, "internal error")
        case 503: error(503, "vehicle unavailable: vehicle is offline or asleep")
        case 504: error(504, "gateway timeout")
        case 540: error(540, "device unexpected response")
        default: error(status, HTTPStatus(code: status).reason.lowercased())
        }
    }
}
