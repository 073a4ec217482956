import Foundation
import HTTP

/// How the Tesla adapter reads answers (tesla-fleet.md §5, §6). One table, so every caller reacts the same way.
///
/// | Tesla answer | outcome |
/// | --- | --- |
/// | 200 `result: true` | `.done` |
/// | 200 `result: false`, reason `not_charging` (stop); `is_charging`, `requested`, `complete` (start); `already_set` (limit, amps) | `.alreadyInState(reason)` |
/// | 200 `result: false`, any other reason (`disconnected`, `no_power`, …) | `.permanent(reason)` |
/// | 401 `token expired (401)`, `invalid bearer token`, no body | `.unauthorized`: refresh once, retry |
/// | 401 `login_required` | `.needsReconsent` |
/// | 401 `mobile_access_disabled` | `.permanent`: the owner turned remote access off |
/// | 403 `Unauthorized missing scopes` | `.needsReconsent` |
/// | 403 VCP required, `unsupported vehicle` | `.permanent` (route commands through the signing proxy) |
/// | 408; 500/503 `vehicle unavailable: vehicle is offline or asleep` | `.asleep` |
/// | 421 `user out of region, use base URL: …` | `.permanent` (configure that regional base URL) |
/// | 429 | `.rateLimited(Retry-After, else RateLimit-Reset, else the `Retry in N seconds` body)` |
/// | 500 `vehicle rejected request: …` (virtual key not paired) | `.permanent` |
/// | 499, 500, 502, 503, 504, 540, other 5xx; timeouts, refused or dropped connections | `.retryable` |
/// | other 4xx (400, 402, 404, 405, 406, 412, 422, 423, 451) | `.permanent` |
enum TeslaClassifier {
    static let proxyPrefix = "car could not execute command: "

    /// A non-2xx answer as a ``VendorError``. `secrets` (the token in use) are scrubbed from the reason.
    static func classify(_ response: HTTPResponse, now: Date, secrets: [String]) -> VendorError {
        let status = response.status.code
        let text: String =
            if let body = VendorText.decode(TeslaWire.ErrorBody.self, from: response.body) {
                body.error ?? ""
            } else {
                // 429 bodies are plain text (`Retry in 37829 seconds`); keep short plain text, drop HTML pages.
                response.body.count <= 200 && !response.bodyText.contains("<") ? response.bodyText : ""
            }
        let lower = text.lowercased()
        let reason = VendorText.safeReason(text.isEmpty ? "HTTP \(status)" : text, redacting: secrets)
        let asleep = lower.contains("offline or asleep")
        let kind: VendorError.Kind
        switch status {
        case 401:
            if lower.contains("login_required") {
                kind = .needsReconsent
            } else if lower.contains("mobile_access_disabled") {
                kind = .permanent
            } else {
                kind = .unauthorized
            }
        case 403:
            kind = lower.contains("missing scopes") ? .needsReconsent : .permanent
        case 408:
            kind = .asleep
        case 429:
            kind = .rateLimited(retryAfter: RetryAfter.seconds(in: response, now: now))
        case 499:
            kind = .retryable
        case 500:
            if asleep {
                kind = .asleep
            } else if lower.contains("vehicle rejected request") || lower.contains("public key has not been paired") {
                kind = .permanent
            } else {
                kind = .retryable
            }
        case 503:
            kind = asleep ? .asleep : .retryable
        case 500...599:
            kind = .retryable
        default:
            kind = .permanent
        }
        return VendorError(kind, reason: reason, status: status)
    }

    /// A command's 200 answer as an outcome; a refusal that is not an "already" state throws `.permanent`.
    static func outcome(
        for command: VehicleCommand, result: TeslaWire.CommandResult
    ) throws(VendorError) -> CommandOutcome {
        if result.result == true { return .done }
        var reason = result.reason ?? result.string ?? ""
        if reason.hasPrefix(proxyPrefix) { reason.removeFirst(proxyPrefix.count) }
        reason = VendorText.safeReason(reason.trimmingCharacters(in: .whitespaces))
        let key = reason.lowercased().replacingOccurrences(of: " ", with: "_")
        let already: Set<String> =
            switch command {
            case .startCharging: ["is_charging", "requested", "complete"]
            case .stopCharging: ["not_charging"]
            case .setChargeLimit, .setChargingAmps: ["already_set"]
            case .wake: []
            }
        if already.contains(key) { return .alreadyInState(reason: reason) }
        throw VendorError(.permanent, reason: reason.isEmpty ? "refused" : reason, status: 200)
    }
}
