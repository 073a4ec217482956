import Foundation
import HTTP

/// A Smartcar v2.0 error (shared/vendors/smartcar.md §5): the HTTP status equals `statusCode`.
struct SmartcarError: Error, Sendable {
    var type: String
    var code: String?
    var status: Int
    var description: String
    var resolution: String?
    var suggestedUserMessage: String?
    var retryAfter: Int?
    var detail: [JSONValue]?

    func body(requestID: String) -> JSONValue {
        let slug = type.lowercased().replacingOccurrences(of: "_", with: "-")
        let anchor = code.map { "#" + $0.lowercased().replacingOccurrences(of: "_", with: "-") } ?? ""
        var members: [(String, JSONValue)] = [
            ("type", .string(type)), ("code", .string(code)), ("description", .string(description)),
            ("docURL", .string("https://smartcar.com/docs/errors/api-errors/\(slug)-errors\(anchor)")),
            ("statusCode", .int(status)), ("requestId", .string(requestID)),
            ("resolution", .object([("type", .string(resolution))])),
            ("suggestedUserMessage", .string(suggestedUserMessage ?? description)),
        ]
        if let detail { members.append(("detail", .array(detail))) }
        return .object(members)
    }

    func response() -> HTTPResponse {
        let requestID = SmartcarReply.newRequestID()
        var response = HTTPResponse.json(body(requestID: requestID).bytes, status: HTTPStatus(code: status))
        response.headers["SC-Request-Id"] = requestID
        if let retryAfter { response.headers["Retry-After"] = String(retryAfter) }
        return response
    }

    // MARK: The documented errors

    static let authentication = SmartcarError(
        type: "AUTHENTICATION", code: nil, status: 401,
        description: "The provided access token is invalid or has expired.", resolution: "REAUTHENTICATE",
        suggestedUserMessage: "Please reconnect your vehicle.")
    static let permission = SmartcarError(
        type: "PERMISSION", code: nil, status: 403,
        description: "Your application has insufficient permissions to access the requested resource.",
        resolution: "REAUTHENTICATE")
    static let notFound = SmartcarError(
        type: "RESOURCE_NOT_FOUND", code: "PATH", status: 404,
        description: "The requested resource does not exist. Please check the path and try again.")
    static func validation(_ message: String, field: String) -> SmartcarError {
        SmartcarError(
            type: "VALIDATION", code: "PARAMETER", status: 400, description: message,
            detail: [.object([("field", .string(field)), ("message", .string(message))])])
    }
    static func vehicleState(_ code: String, _ description: String, retry: Bool = false) -> SmartcarError {
        SmartcarError(
            type: "VEHICLE_STATE", code: code, status: 409, description: description,
            resolution: retry ? "RETRY_LATER" : nil)
    }
    static let asleep = vehicleState(
        "ASLEEP", "The vehicle is in a sleep state and temporarily unable to perform your request.", retry: true)
    static let unreachable = vehicleState(
        "UNREACHABLE", "The vehicle was unable to perform your request because it is currently unreachable.",
        retry: true)
    static let plugNotConnected = vehicleState(
        "CHARGING_PLUG_NOT_CONNECTED",
        "The vehicle is not connected to an EV charger and unable to perform your request.")
    static let chargingInProgress = vehicleState(
        "CHARGING_IN_PROGRESS", "The vehicle is currently charging and unable to perform your request.")
    static let fullyCharged = vehicleState(
        "FULLY_CHARGED", "The vehicle is unable to perform your request because its EV battery is fully charged.")
    static let notCharging = vehicleState(
        "NOT_CHARGING", "The vehicle is unable to perform your request because it is not currently charging.")
    static let chargeFault = vehicleState(
        "CHARGE_FAULT",
        "The vehicle is connected to an EV charger but cannot perform the request because 1) the charger is not providing any current, or 2) there is a conflict with another charging schedule."
    )
    static let lowBattery = vehicleState(
        "LOW_BATTERY",
        "The vehicle's state of charge is too low to perform your request (this make needs at least 50%).",
        retry: true)
    static func compatibility(_ code: String, _ description: String) -> SmartcarError {
        SmartcarError(type: "COMPATIBILITY", code: code, status: 501, description: description)
    }
    static let vehicleNotCapable = compatibility(
        "VEHICLE_NOT_CAPABLE", "The vehicle is incapable of performing your request.")
    static let makeNotCompatible = compatibility(
        "MAKE_NOT_COMPATIBLE", "The requested feature is not compatible with this vehicle's make.")
    static func vehicleRateLimit(_ retryAfter: Int) -> SmartcarError {
        SmartcarError(
            type: "RATE_LIMIT", code: "VEHICLE", status: 429,
            description:
                "You have reached the throttling rate limit for this vehicle. Please see the retry-after header (seconds) for when to retry the request.",
            resolution: "RETRY_LATER", retryAfter: retryAfter)
    }
    static func appRateLimit(_ retryAfter: Int) -> SmartcarError {
        SmartcarError(
            type: "RATE_LIMIT", code: "SMARTCAR_API", status: 429,
            description: "Your application has exceeded its rate limit. Please retry your request in a few minutes.",
            resolution: "RETRY_LATER", retryAfter: retryAfter)
    }

    /// An injected error status, as the closest documented Smartcar error.
    static func injected(_ status: Int) -> SmartcarError {
        switch status {
        case 400: validation("The request is invalid.", field: "body")
        case 401: authentication
        case 403: permission
        case 404: notFound
        case 409:
            vehicleState(
                "UNKNOWN", "The vehicle was unable to perform your request due to an unknown issue.", retry: true)
        case 429: vehicleRateLimit(60)
        case 430:
            SmartcarError(
                type: "BILLING", code: "VEHICLE_REQUEST_LIMIT", status: 430,
                description: "You have reached the request limit for this vehicle in the current billing period.")
        case 501: vehicleNotCapable
        case 502:
            SmartcarError(
                type: "UPSTREAM", code: "UNKNOWN_ISSUE", status: 502,
                description: "The vehicle manufacturer's servers returned an unexpected response.",
                resolution: "RETRY_LATER")
        default:
            SmartcarError(
                type: "SERVER", code: "INTERNAL", status: status,
                description: "Smartcar experienced an unexpected error. Please retry the request.",
                resolution: "RETRY_LATER")
        }
    }
}

enum SmartcarReply {
    /// A fresh UUID for `SC-Request-Id`.
    static func newRequestID() -> String { UUID().uuidString.lowercased() }

    static let sentMessage = "Successfully sent request to vehicle"

    /// A success body with `SC-Request-Id`, plus the data headers on reads.
    static func ok(_ json: JSONValue, data: Bool, imperial: Bool = false, now: Double = 0) -> HTTPResponse {
        var response = HTTPResponse.json(json.bytes)
        response.headers["SC-Request-Id"] = newRequestID()
        if data {
            let stamp = ISOTime.format(now)
            response.headers["SC-Data-Age"] = stamp
            response.headers["SC-Fetched-At"] = stamp
            response.headers["SC-Unit-System"] = imperial ? "imperial" : "metric"
        }
        return response
    }

    static func sent(_ message: String = sentMessage) -> HTTPResponse {
        ok(.object([("message", .string(message)), ("status", .string("success"))]), data: false)
    }
}
