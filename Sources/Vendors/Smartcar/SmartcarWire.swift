/// Smartcar v2.0 bodies as Curtail reads them (smartcar.md §4, §5): plain JSON objects, no envelope.
enum SmartcarWire {
    /// `GET /vehicles`.
    struct VehicleList: Decodable, Sendable {
        var vehicles: [String]?
        var paging: Paging?
    }

    struct Paging: Decodable, Sendable {
        var count: Int?
        var offset: Int?
    }

    /// `GET /vehicles/{id}`.
    struct Attributes: Decodable, Sendable {
        var id: String?
        var make: String?
        var model: String?
        var year: Int?
    }

    /// `GET /vehicles/{id}/charge`: `state` ∈ `CHARGING`, `FULLY_CHARGED`, `NOT_CHARGING`.
    struct Charge: Decodable, Sendable {
        var isPluggedIn: Bool?
        var state: String?
    }

    /// `GET /vehicles/{id}/battery`: `percentRemaining` is a fraction 0...1.
    struct Battery: Decodable, Sendable {
        var percentRemaining: Double?
    }

    /// `GET /vehicles/{id}/charge/limit`: `limit` is a fraction 0...1.
    struct ChargeLimit: Decodable, Sendable {
        var limit: Double?
    }

    /// Every v2.0 error (§5). `code` is `null` for AUTHENTICATION, PERMISSION and VALIDATION.
    struct ErrorBody: Decodable, Sendable {
        var type: String?
        var code: String?
        var requestId: String?
        var resolution: Resolution?
    }

    struct Resolution: Decodable, Sendable {
        var type: String?
    }
}
