import Fleet
import Foundation
import HTTP
import Logging
import Postgres
import Secrets
import Vendors

/// Curtail's operator API for the fleet registry, under `/v1`: vendor accounts, vehicles, groups, driver
/// preferences, opt-outs, bulk import, and the drivers' opt-out links.
///
/// Operators authenticate with bearer tokens from `/openadr3/3.0.1/auth/token`: `fleet_read` for GET, `fleet_write`
/// for everything else. `POST /v1/driver/opt-out` instead takes a one-vehicle link token, which opens nothing else.
/// Vendor tokens go in (`POST /v1/vendor-accounts`) and are never returned or logged.
public struct FleetRoutes: Sendable {
    let authenticator: Authenticator
    let accounts: VendorAccountStore
    let vehicles: VehicleStore
    let optOuts: OptOutStore
    let vendors: [VendorName: any VehicleAPI]
    let keyConfigured: Bool

    /// The path of the bulk import, which accepts bodies up to ``maxImportBytes``.
    public static let importPath = "/v1/vehicles/import"
    /// The largest import body. 64 MiB (a 200,000-row CSV is about 20 MiB).
    public static let maxImportBytes = 64 * 1024 * 1024
    /// How long a driver link lives unless the operator says otherwise, and at most. 30 and 366 days.
    public static let defaultLinkLifetime: TimeInterval = 30 * 86_400
    public static let maxLinkLifetime: TimeInterval = 366 * 86_400

    public init(
        pool: PostgresPool, authenticator: Authenticator, secretKeyHex: String?, vendors: [VendorName: any VehicleAPI],
        logger: Logger
    ) {
        let box = secretKeyHex.flatMap { try? SecretBox(hexKey: $0) }
        self.authenticator = authenticator
        self.accounts = VendorAccountStore(pool: pool, box: box, logger: logger)
        self.vehicles = VehicleStore(pool: pool, logger: logger)
        self.optOuts = OptOutStore(pool: pool, logger: logger)
        self.vendors = vendors
        self.keyConfigured = box != nil
    }

    public func register(on router: inout Router) {
        // Vendor accounts.
        router.post("/v1/vendor-accounts") { request, _ in try await createAccount(request) }
        router.get("/v1/vendor-accounts") { request, _ in try await listAccounts(request) }
        router.get("/v1/vendor-accounts/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetRead)
            guard let id = UUID(uuidString: try context.parameter("id")), let account = try await accounts.get(id) else {
                throw FleetError.notFound("vendor account")
            }
            return try .json(encoding: account)
        }
        router.delete("/v1/vendor-accounts/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            guard let id = UUID(uuidString: try context.parameter("id")), try await accounts.delete(id) else {
                throw FleetError.notFound("vendor account")
            }
            return HTTPResponse(status: .noContent)
        }
        router.post("/v1/vendor-accounts/:id/sync") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            guard let id = UUID(uuidString: try context.parameter("id")), let account = try await accounts.get(id) else {
                throw FleetError.notFound("vendor account")
            }
            let vendor = VendorName(rawValue: account.vendor)
            guard let api = vendors[vendor] else { throw FleetError.noAdapter(vendor) }
            return try .json(encoding: try await accounts.sync(id, using: api))
        }

        // Vehicles.
        router.get("/v1/vehicles") { request, _ in try await listVehicles(request) }
        router.post("/v1/vehicles") { request, _ in try await createVehicle(request) }
        router.post(Self.importPath) { request, _ in try await importVehicles(request) }
        router.get("/v1/vehicles/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetRead)
            return try .json(encoding: try await vehicle(context))
        }
        router.patch("/v1/vehicles/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            let id = try vehicleID(context)
            _ = try jsonObject(request, allowed: PatchVehicleBody.fields, nonNull: PatchVehicleBody.fields)
            let patch = try request.decodeJSON(PatchVehicleBody.self).patch()
            guard let updated = try await vehicles.update(id, patch) else { throw FleetError.notFound("vehicle") }
            return try .json(encoding: updated)
        }
        router.delete("/v1/vehicles/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            guard try await vehicles.remove(try vehicleID(context)) else { throw FleetError.notFound("vehicle") }
            return HTTPResponse(status: .noContent)
        }
        router.put("/v1/vehicles/:id/preferences") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            let id = try vehicleID(context)
            _ = try jsonObject(request, allowed: PreferencesBody.fields)
            let preferences = try request.decodeJSON(PreferencesBody.self).preferences()
            guard let stored = try await vehicles.setPreferences(id, preferences) else { throw FleetError.notFound("vehicle") }
            return try .json(encoding: stored)
        }
        router.get("/v1/vehicles/:id/opt-outs") { request, context in
            _ = try await authenticator.authorize(request, .fleetRead)
            let page = try Page(request.query)
            let vehicle = try await vehicle(context)
            return try .json(encoding: try await optOuts.list(vehicleID: vehicle.id, skip: page.skip, limit: page.limit))
        }
        router.post("/v1/vehicles/:id/opt-outs") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            let id = try vehicleID(context)
            _ = try jsonObject(request, allowed: OptOutBody.fields)
            let body = try request.decodeJSON(OptOutBody.self)
            try body.validate()
            let optOut = try await optOuts.create(vehicleID: id, eventID: body.event_id, until: body.until, source: "operator")
            return try .json(encoding: optOut, status: .created)
        }
        router.post("/v1/vehicles/:id/opt-out-link") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            let id = try vehicleID(context)
            var expiresAt = Date().addingTimeInterval(Self.defaultLinkLifetime)
            if !request.body.isEmpty {
                _ = try jsonObject(request, allowed: OptOutLinkBody.fields)
                if let requested = try request.decodeJSON(OptOutLinkBody.self).expires_at {
                    guard requested > Date(), requested <= Date().addingTimeInterval(Self.maxLinkLifetime) else {
                        throw FleetError.invalid([FieldIssue("/expires_at", "must be in the future and within 366 days")])
                    }
                    expiresAt = requested
                }
            }
            guard let token = try await optOuts.createLink(vehicleID: id, expiresAt: expiresAt) else {
                throw FleetError.notFound("vehicle")
            }
            var response = try HTTPResponse.json(
                encoding: OptOutLink(
                    vehicle_id: id, token: token, expires_at: expiresAt,
                    path: "/v1/driver/opt-out?token=\(token)"),
                status: .created)
            response.headers["Cache-Control"] = "no-store"
            return response
        }

        // Groups.
        router.get("/v1/groups") { request, _ in
            _ = try await authenticator.authorize(request, .fleetRead)
            let page = try Page(request.query)
            return try .json(encoding: try await vehicles.groups(skip: page.skip, limit: page.limit))
        }
        router.put("/v1/groups/:group/vehicles/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            let group = try context.parameter("group")
            guard GroupName.isValid(group) else {
                throw APIError.invalidField("group", "a group name is 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit")
            }
            guard let added = try await vehicles.addToGroup(try vehicleID(context), group: group) else {
                throw FleetError.notFound("vehicle")
            }
            return try .json(encoding: try await vehicle(context), status: added ? .created : .ok)
        }
        router.delete("/v1/groups/:group/vehicles/:id") { request, context in
            _ = try await authenticator.authorize(request, .fleetWrite)
            guard try await vehicles.removeFromGroup(try vehicleID(context), group: try context.parameter("group")) else {
                throw FleetError.notFound("group membership")
            }
            return HTTPResponse(status: .noContent)
        }

        // The driver's link: opts one vehicle out, nothing else.
        router.post("/v1/driver/opt-out") { request, _ in try await driverOptOut(request) }
    }

    struct OptOutLink: Encodable {
        let vehicle_id: UUID
        let token: String
        let expires_at: Date
        let path: String
    }

    // MARK: - Handlers

    private func vehicleID(_ context: RequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameter("id")) else { throw FleetError.notFound("vehicle") }
        return id
    }

    private func vehicle(_ context: RequestContext) async throws -> Vehicle {
        guard let vehicle = try await vehicles.get(try vehicleID(context)) else { throw FleetError.notFound("vehicle") }
        return vehicle
    }

    func createAccount(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = try await authenticator.authorize(request, .fleetWrite)
        guard keyConfigured else { throw FleetError.secretKeyUnavailable }
        _ = try jsonObject(request, allowed: CreateVendorAccountBody.fields, nonNull: ["vendor", "access_token", "refresh_token", "expires_at"])
        let body = try request.decodeJSON(CreateVendorAccountBody.self)
        try body.validate()
        let account = try await accounts.create(
            vendor: VendorName(rawValue: body.vendor), externalID: body.external_id,
            credentials: VendorCredentials(accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: body.expires_at),
            groups: Array(body.groups ?? []))
        var response = try HTTPResponse.json(encoding: account, status: .created)
        response.headers["Location"] = "/v1/vendor-accounts/\(account.id.uuidString)"
        return response
    }

    func listAccounts(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = try await authenticator.authorize(request, .fleetRead)
        let page = try Page(request.query)
        let query = request.query
        if let vendor = query["vendor"], !FleetVendors.known.contains(vendor) {
            throw APIError.invalidField("vendor", "must be one of: smartcar, tesla")
        }
        if let status = query["status"], !["active", "needs_reconsent"].contains(status) {
            throw APIError.invalidField("status", "must be one of: active, needs_reconsent")
        }
        return try .json(encoding: try await accounts.list(vendor: query["vendor"], status: query["status"], skip: page.skip, limit: page.limit))
    }

    func listVehicles(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = try await authenticator.authorize(request, .fleetRead)
        let page = try Page(request.query)
        let query = request.query
        var filter = VehicleStore.Filter()
        if let group = query["group"] {
            guard GroupName.isValid(group) else { throw APIError.invalidField("group", "not a valid group name") }
            filter.group = group
        }
        if let vendor = query["vendor"] {
            guard FleetVendors.known.contains(vendor) else { throw APIError.invalidField("vendor", "must be one of: smartcar, tesla") }
            filter.vendor = vendor
        }
        if let program = query["program"] {
            guard (1...128).contains(program.utf8.count) else { throw APIError.invalidField("program", "must be 1 to 128 bytes") }
            filter.program = program
        }
        if let state = query["state"] {
            guard ["active", "needs_reconsent", "removed"].contains(state) else {
                throw APIError.invalidField("state", "must be one of: active, needs_reconsent, removed")
            }
            filter.state = state
        }
        if let account = query["account_id"] {
            guard let id = UUID(uuidString: account) else { throw APIError.invalidField("account_id", "expected a UUID") }
            filter.accountID = id
        }
        return try .json(encoding: try await vehicles.list(filter, skip: page.skip, limit: page.limit))
    }

    func createVehicle(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = try await authenticator.authorize(request, .fleetWrite)
        try request.requireJSONContentType()
        guard (try? JSONSerialization.jsonObject(with: request.bodyData)) is [String: Any] else {
            throw APIError.badRequest("The body must be a JSON object describing one vehicle.")
        }
        var body = Array("[".utf8)
        body += request.body
        body += Array("]".utf8)
        let row = try VehicleImportPayload.parseJSON(Data(body))[0]
        // Structural problems (unknown field, wrong JSON type) are 400; values out of range are 422.
        let fields: [String: String]
        switch row {
        case .failure(let issues):
            throw APIError.badRequest(
                "The request has invalid fields.",
                errors: issues.issues.map { Problem.FieldError(pointer: "/\($0.field)", detail: $0.detail) })
        case .success(let parsed):
            fields = parsed
        }
        let draft: VehicleDraft
        switch VehicleDraft.parse(fields) {
        case .failure(let issues): throw FleetError.invalid(issues.issues.map { FieldIssue("/\($0.field)", $0.detail) })
        case .success(let parsed): draft = parsed
        }
        let vehicle = try await vehicles.create(draft)
        var response = try HTTPResponse.json(encoding: vehicle, status: .created)
        response.headers["Location"] = "/v1/vehicles/\(vehicle.id.uuidString)"
        return response
    }

    /// The 422 body for a rejected import: a problem with the rejected rows as an extension member.
    struct ImportProblem: Encodable {
        let type = "about:blank"
        let title = "Unprocessable Content"
        let status = 422
        let detail: String
        let row_count: Int
        let rejected_count: Int
        let rejected: [RowRejection]
    }

    func importVehicles(_ request: HTTPRequest) async throws -> HTTPResponse {
        _ = try await authenticator.authorize(request, .fleetWrite)
        let mediaType = (request.headers["Content-Type"] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let rows: [VehicleImportPayload.Row]
        switch mediaType {
        case "text/csv": rows = try VehicleImportPayload.parseCSV(request.body)
        case "application/json": rows = try VehicleImportPayload.parseJSON(request.bodyData)
        default: throw APIError(.unsupportedMediaType, "Send the fleet as text/csv (with a header row) or application/json (an array).")
        }
        do {
            return try .json(encoding: try await vehicles.importVehicles(rows), status: .created)
        } catch FleetError.importRejected(let rejected, let total, let count) {
            let problem = ImportProblem(
                detail: "\(total) of \(count) rows were rejected; nothing was imported.", row_count: count, rejected_count: total,
                rejected: rejected)
            var response = try HTTPResponse.json(encoding: problem, status: .unprocessableContent)
            response.headers["Content-Type"] = "application/problem+json"
            return response
        }
    }

    func driverOptOut(_ request: HTTPRequest) async throws -> HTTPResponse {
        var token: String?
        if let header = request.headers["Authorization"] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("The Authorization header must be 'Bearer <link token>'.", invalidToken: true)
            }
            token = String(parts[1])
        } else {
            token = request.query["token"]
        }
        guard let token, !token.isEmpty else {
            throw APIError.unauthorized("This endpoint needs the driver's link token (Bearer or ?token=).", invalidToken: false)
        }
        guard token.utf8.count <= 512, let vehicleID = try await optOuts.vehicle(forLinkToken: token) else {
            throw APIError.unauthorized("The link token is invalid or has expired.", invalidToken: true)
        }
        var body = OptOutBody(event_id: nil, until: nil)
        if !request.body.isEmpty {
            _ = try jsonObject(request, allowed: OptOutBody.fields)
            body = try request.decodeJSON(OptOutBody.self)
            try body.validate()
        }
        let optOut = try await optOuts.create(vehicleID: vehicleID, eventID: body.event_id, until: body.until, source: "driver")
        var response = try HTTPResponse.json(encoding: optOut, status: .created)
        response.headers["Cache-Control"] = "no-store"
        return response
    }
}

