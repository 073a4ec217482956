import Foundation
import Vendors

/// One field that failed validation: where (a JSON pointer or a CSV column name) and why.
public struct FieldIssue: Sendable, Equatable, Encodable {
    public var field: String
    public var detail: String

    public init(_ field: String, _ detail: String) {
        self.field = field
        self.detail = detail
    }
}

/// The problems found in one row or body: an `Error` so it can be a `Result`'s failure.
public struct FieldIssues: Error, Sendable, Equatable {
    public var issues: [FieldIssue]
    public init(_ issues: [FieldIssue]) { self.issues = issues }
}

/// One import row that was refused, and every reason found for it.
public struct RowRejection: Sendable, Equatable, Encodable {
    /// 1-based data row (the CSV header is not counted; for JSON, the array index + 1).
    public var row: Int
    public var vendorVehicleID: String?
    public var errors: [FieldIssue]

    enum CodingKeys: String, CodingKey {
        case row, errors
        case vendorVehicleID = "vendor_vehicle_id"
    }

    public init(row: Int, vendorVehicleID: String?, errors: [FieldIssue]) {
        self.row = row
        self.vendorVehicleID = vendorVehicleID
        self.errors = errors
    }
}

/// The `Fleet` layer's error. Its `description` names the kind of failure and never holds a token or secret.
public enum FleetError: Error, Sendable, CustomStringConvertible {
    /// No such object (or it was removed).
    case notFound(String)
    /// The request collides with existing state (a duplicate key).
    case conflict(String)
    /// Values that parse but are not acceptable, by field.
    case invalid([FieldIssue])
    /// An import in which some rows are invalid: nothing was imported. `total` counts all rejections, `rows` holds
    /// the first ones (bounded).
    case importRejected(rows: [RowRejection], total: Int, rowCount: Int)
    /// The import payload itself cannot be read (no header, unknown column, not CSV/JSON).
    case malformedImport(String)
    /// `CURTAIL_SECRET_KEY` is not configured (or invalid): vendor tokens cannot be stored or read.
    case secretKeyUnavailable
    /// The stored token cannot be decrypted (the key changed, or the row was tampered with).
    case undecryptableToken(UUID)
    /// The vendor account's consent is gone: the driver must authorise Curtail again.
    case needsReconsent(UUID)
    /// No `VehicleAPI` is configured for this vendor.
    case noAdapter(VendorName)
    /// The vendor failed in a way that may pass (5xx, timeout, rate limit).
    case vendorUnavailable(VendorError)

    public var description: String {
        switch self {
        case .notFound(let what): "FleetError.notFound(\(what))"
        case .conflict(let detail): "FleetError.conflict(\(detail))"
        case .invalid(let issues): "FleetError.invalid(\(issues.map(\.field).joined(separator: ", ")))"
        case .importRejected(_, let total, let count): "FleetError.importRejected(\(total) of \(count) rows)"
        case .malformedImport(let detail): "FleetError.malformedImport(\(detail))"
        case .secretKeyUnavailable: "FleetError.secretKeyUnavailable"
        case .undecryptableToken(let id): "FleetError.undecryptableToken(account \(id))"
        case .needsReconsent(let id): "FleetError.needsReconsent(account \(id))"
        case .noAdapter(let vendor): "FleetError.noAdapter(\(vendor))"
        case .vendorUnavailable(let error): "FleetError.vendorUnavailable(\(error))"
        }
    }
}
