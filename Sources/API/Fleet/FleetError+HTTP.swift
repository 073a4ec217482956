import Fleet
import HTTP
import Secrets

/// How the fleet layer's errors answer over HTTP.
extension FleetError: HTTPResponseError, SafeToLogError {
    public var status: HTTPStatus {
        switch self {
        case .notFound: .notFound
        case .conflict, .needsReconsent: .conflict
        case .invalid, .importRejected: .unprocessableContent
        case .malformedImport: .badRequest
        case .secretKeyUnavailable, .noAdapter, .undecryptableToken: .serviceUnavailable
        case .vendorUnavailable: .badGateway
        }
    }

    public var headers: HTTPHeaders {
        if case .vendorUnavailable(let error) = self, case .rateLimited(let retryAfter?) = error.kind {
            return ["Retry-After": String(Int(retryAfter.rounded(.up)))]
        }
        return [:]
    }

    public var problem: Problem {
        switch self {
        case .notFound(let what):
            return Problem(status: status, detail: "The \(what) was not found.")
        case .conflict(let detail):
            return Problem(status: status, detail: detail)
        case .invalid(let issues):
            return Problem(
                status: status, detail: "The request has invalid values: \(issues.map(\.field).joined(separator: ", ")).",
                errors: issues.map { Problem.FieldError(pointer: $0.field, detail: $0.detail) })
        case .importRejected(let rows, let total, let count):
            return Problem(
                status: status, detail: "\(total) of \(count) rows were rejected; nothing was imported.",
                errors: rows.flatMap { row in
                    row.errors.map { Problem.FieldError(pointer: "/\(row.row - 1)/\($0.field)", detail: $0.detail) }
                })
        case .malformedImport(let detail):
            return Problem(status: status, detail: detail)
        case .secretKeyUnavailable:
            return Problem(
                status: status,
                detail: "Vendor tokens cannot be stored: CURTAIL_SECRET_KEY is not configured (or is not 64 hex digits). "
                    + "Set it (e.g. `openssl rand -hex 32`) and restart Curtail.")
        case .undecryptableToken:
            return Problem(
                status: status,
                detail: "The account's stored tokens cannot be decrypted with the configured CURTAIL_SECRET_KEY; "
                    + "restore the key they were sealed with, or store the account again.")
        case .needsReconsent(let id):
            return Problem(
                status: status,
                detail: "Vendor account \(id.uuidString.lowercased()) needs re-consent: the vendor refused its token. "
                    + "The driver must authorise Curtail again.")
        case .noAdapter(let vendor):
            return Problem(status: status, detail: "No \(vendor) adapter is configured in this Curtail process.")
        case .vendorUnavailable(let error):
            return Problem(status: status, detail: "The vendor did not answer usably (\(error.reason)); try again later.")
        }
    }
}
