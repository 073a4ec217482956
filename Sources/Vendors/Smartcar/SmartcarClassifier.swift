import Foundation
import HTTP

/// How the Smartcar adapter reads error answers (smartcar.md §5, §6). The ``VendorError/reason`` is
/// `TYPE:CODE` and the `SC-Request-Id` (quote it to Smartcar support), e.g.
/// `VEHICLE_STATE:CHARGING_PLUG_NOT_CONNECTED (SC-Request-Id 5dea93a1-…)`.
///
/// | Smartcar answer | outcome |
/// | --- | --- |
/// | 409 `VEHICLE_STATE:NOT_CHARGING` to STOP | `.alreadyInState` |
/// | 409 `VEHICLE_STATE:CHARGING_IN_PROGRESS`, `FULLY_CHARGED` to START | `.alreadyInState` |
/// | 409 `VEHICLE_STATE:ASLEEP`, `UNREACHABLE` | `.retryable` (Smartcar wakes cars itself; there is no wake endpoint) |
/// | 409 `VEHICLE_STATE` with `resolution.type` `RETRY_LATER` (`UNKNOWN`, `LOW_BATTERY`) | `.retryable` |
/// | 409 `VEHICLE_STATE` other (`CHARGING_PLUG_NOT_CONNECTED`, `CHARGE_FAULT`, `DOOR_OPEN`, …) | `.permanent` |
/// | 429 `RATE_LIMIT:VEHICLE`, `RATE_LIMIT:SMARTCAR_API`; 502 `UPSTREAM:RATE_LIMIT` | `.rateLimited(Retry-After)` |
/// | 401 `AUTHENTICATION` | `.unauthorized`: refresh once, retry |
/// | 403 `PERMISSION`; 400 `CONNECTED_SERVICES_ACCOUNT:AUTHENTICATION_FAILED` or resolution `REAUTHENTICATE` | `.needsReconsent` |
/// | 400 `CONNECTED_SERVICES_ACCOUNT` other (`VIRTUAL_KEY_REQUIRED`, `SUBSCRIPTION`, …) | `.permanent` (the owner must act) |
/// | 500 `SERVER:INTERNAL`; 502 `UPSTREAM` other; other 5xx; timeouts, refused or dropped connections | `.retryable` |
/// | 430 `BILLING`, 501 `COMPATIBILITY`, 404 `RESOURCE_NOT_FOUND`, 400 `VALIDATION`, other 4xx | `.permanent` |
enum SmartcarClassifier {
    /// A non-2xx answer as a ``VendorError``.
    static func classify(_ response: HTTPResponse, now: Date) -> VendorError {
        let status = response.status.code
        let body = VendorText.decode(SmartcarWire.ErrorBody.self, from: response.body)
        let type = body?.type ?? ""
        let code = body?.code ?? ""
        let resolution = body?.resolution?.type ?? ""
        let retryAfter = RetryAfter.seconds(in: response, now: now)
        let kind: VendorError.Kind
        switch type {
        case "RATE_LIMIT":
            kind = .rateLimited(retryAfter: retryAfter)
        case "AUTHENTICATION":
            kind = .unauthorized
        case "PERMISSION":
            kind = .needsReconsent
        case "CONNECTED_SERVICES_ACCOUNT":
            kind = code == "AUTHENTICATION_FAILED" || resolution == "REAUTHENTICATE" ? .needsReconsent : .permanent
        case "SERVER":
            kind = code.isEmpty || code == "INTERNAL" ? .retryable : .permanent
        case "UPSTREAM":
            kind = code == "RATE_LIMIT" ? .rateLimited(retryAfter: retryAfter) : .retryable
        case "VEHICLE_STATE":
            kind = code == "ASLEEP" || code == "UNREACHABLE" || resolution == "RETRY_LATER" ? .retryable : .permanent
        case "BILLING", "COMPATIBILITY", "RESOURCE_NOT_FOUND", "VALIDATION":
            kind = .permanent
        default:
            switch status {
            case 401: kind = .unauthorized
            case 429: kind = .rateLimited(retryAfter: retryAfter)
            case 500...599: kind = .retryable
            default: kind = .permanent
            }
        }
        return VendorError(kind, reason: reason(response, body: body), status: status)
    }

    /// The "already there" answers to a command (§6), or `nil` when `response` is a real failure.
    static func alreadyInState(_ response: HTTPResponse, command: VehicleCommand) -> CommandOutcome? {
        guard let body = VendorText.decode(SmartcarWire.ErrorBody.self, from: response.body), body.type == "VEHICLE_STATE",
            let code = body.code
        else { return nil }
        let already: Set<String> =
            switch command {
            case .startCharging: ["CHARGING_IN_PROGRESS", "FULLY_CHARGED"]
            case .stopCharging: ["NOT_CHARGING"]
            default: []
            }
        return already.contains(code) ? .alreadyInState(reason: "VEHICLE_STATE:\(code)") : nil
    }

    /// `TYPE:CODE (SC-Request-Id …)`; never the description, which is Smartcar's prose.
    static func reason(_ response: HTTPResponse, body: SmartcarWire.ErrorBody?) -> String {
        var text =
            if let type = body?.type {
                body?.code.map { "\(type):\($0)" } ?? type
            } else {
                "HTTP \(response.status.code)"
            }
        if let id = response.headers["SC-Request-Id"] ?? body?.requestId, !id.isEmpty {
            text += " (SC-Request-Id \(VendorText.safeReason(String(id.prefix(64)))))"
        }
        return VendorText.safeReason(text)
    }
}
