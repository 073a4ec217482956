import HTTP

/// The Smartcar v2.0 facade (shared/vendors/smartcar.md §10) and its OAuth token endpoint.
struct SmartcarRoutes: Sendable {
    let simulator: Simulator
    var store: FleetStore { simulator.store }

    /// The GET paths a vehicle serves, also reachable through `/batch`, with their permission.
    static let readPaths: [String: String] = [
        "/": "read_vehicle_info", "/vin": "read_vin", "/charge": "read_charge", "/battery": "read_battery",
        "/battery/capacity": "read_battery", "/charge/limit": "read_charge", "/tesla/charge/ammeter": "read_charge",
    ]

    func register(on router: inout Router) {
        router.post("/oauth/token") { request, _ in
            simulator.isDown(.smartcar) ? .dropConnection : token(request)
        }
        router.get("/v2.0/user") { request, _ in
            try await faulted {
                let account = try authenticate(request)
                try admit(account: account)
                let user = store.withAccount(account) { $0.userID }
                return SmartcarReply.ok(.object([("id", .string(user))]), data: false)
            }
        }
        router.get("/v2.0/vehicles") { request, _ in try await faulted { try list(request) } }
        for path in Self.readPaths.keys {
            let pattern = "/v2.0/vehicles/:id" + (path == "/" ? "" : path)
            router.get(pattern) { request, context in
                try await faulted {
                    let imperial = request.headers["SC-Unit-System"]?.lowercased() == "imperial"
                    return try vehicleRequest(request, context, permission: Self.readPaths[path]!) {
                        (vehicle: inout Vehicle, now: Double) throws(SmartcarError) -> HTTPResponse in
                        let body = try read(path, vehicle: vehicle, imperial: imperial)
                        return SmartcarReply.ok(body, data: true, imperial: imperial, now: store.wallNow())
                    }
                }
            }
        }
        router.get("/v2.0/vehicles/:id/permissions") { request, context in
            try await faulted {
                let account = try authenticate(request)
                _ = try ownedVehicle(context, account: account)
                try admit(account: account)
                let scopes = store.withAccount(account) { $0.scopes }
                return SmartcarReply.ok(
                    .object([
                        ("permissions", .array(scopes.map { .string($0) })),
                        ("paging", .object([("count", .int(scopes.count)), ("offset", .int(0))])),
                    ]), data: false)
            }
        }
        router.delete("/v2.0/vehicles/:id/application") { request, context in
            try await faulted {
                let account = try authenticate(request)
                _ = try ownedVehicle(context, account: account)
                store.expireAccessToken(account: account, in: 0)
                return SmartcarReply.ok(.object([("status", .string("success"))]), data: false)
            }
        }
        router.post("/v2.0/vehicles/:id/charge") { request, context in
            try await faulted {
                let action = try Self.action(request, allowed: ["START", "STOP"])
                return try vehicleRequest(request, context, permission: "control_charge") {
                    (vehicle: inout Vehicle, now: Double) throws(SmartcarError) -> HTTPResponse in
                    try SmartcarCommands.charge(action, vehicle: &vehicle, now: now)
                    return SmartcarReply.sent()
                }
            }
        }
        router.post("/v2.0/vehicles/:id/charge/limit") { request, context in
            try await faulted {
                guard let body = JSONValue.parse(request.body), let limit = body["limit"]?.doubleValue,
                    (0.5...1).contains(limit)
                else {
                    throw SmartcarError.validation("limit must be a number with 0.5 <= limit <= 1.", field: "limit")
                }
                return try vehicleRequest(request, context, permission: "control_charge") {
                    (vehicle: inout Vehicle, now: Double) throws(SmartcarError) -> HTTPResponse in
                    try SmartcarCommands.setLimit(limit, vehicle: &vehicle, now: now)
                    return SmartcarReply.sent()
                }
            }
        }
        router.post("/v2.0/vehicles/:id/tesla/charge/ammeter") { request, context in
            try await faulted {
                guard let body = JSONValue.parse(request.body), let amps = body["amperage"]?.intValue, amps >= 0 else {
                    throw SmartcarError.validation("amperage must be a non-negative integer.", field: "amperage")
                }
                return try vehicleRequest(request, context, permission: "control_charge") {
                    (vehicle: inout Vehicle, now: Double) throws(SmartcarError) -> HTTPResponse in
                    let set = try SmartcarCommands.setAmperage(amps, vehicle: &vehicle, now: now)
                    return SmartcarReply.sent("Successfully sent the following amperage: \(set)")
                }
            }
        }
        router.post("/v2.0/vehicles/:id/:make/charge/charge_port_door") { request, context in
            try await faulted {
                let action = try Self.action(request, allowed: ["OPEN", "CLOSE"])
                return try vehicleRequest(request, context, permission: "control_charge") {
                    (vehicle: inout Vehicle, _: Double) throws(SmartcarError) -> HTTPResponse in
                    guard context.parameters["make"] == vehicle.make.pathName else { throw SmartcarError.notFound }
                    guard vehicle.make == .tesla else { throw SmartcarError.makeNotCompatible }
                    if action == "CLOSE" && vehicle.actual.pluggedIn {
                        throw SmartcarError.plugNotConnected.with(
                            code: "CHARGING_PLUG_CONNECTED",
                            "The vehicle is connected to an EV charger and unable to perform your request.")
                    }
                    vehicle.chargePortDoorOpen = action == "OPEN"
                    return SmartcarReply.sent()
                }
            }
        }
        router.post("/v2.0/vehicles/:id/batch") { request, context in
            try await faulted { try batch(request, context) }
        }
        for method in [HTTPMethod.get, .post, .put, .delete, .patch] {
            router.on(method, "/v2.0/*") { _, _ in SmartcarError.notFound.response() }
        }
    }

    // MARK: Pipeline

    private func faulted(_ handler: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        do {
            return try await simulator.withFaults(
                vendor: .smartcar, renderError: { SmartcarError.injected($0).response() },
                renderBurst: { SmartcarError.vehicleRateLimit($0).response() }, handler)
        } catch let error as SmartcarError {
            return error.response()
        }
    }

    private func authenticate(_ request: HTTPRequest) throws(SmartcarError) -> Int {
        switch store.authenticate(request.headers["Authorization"], vendor: .smartcar) {
        case .success(let account): return account
        case .failure: throw SmartcarError.authentication
        }
    }

    /// The app-wide (per account, here) bucket: `RATE_LIMIT:SMARTCAR_API`.
    private func admit(account: Int) throws(SmartcarError) {
        let now = store.wallNow()
        let throttle = store.withAccount(account) { a -> Throttle? in
            a.billable.other += 1
            return a.pacing.appBucket.take(
                now: now, capacity: a.limits.appBucketCapacity, refillPerMinute: a.limits.appBucketRefillPerMinute)
        }
        if let throttle { throw SmartcarError.appRateLimit(throttle.retryAfter) }
    }

    private func ownedVehicle(_ context: RequestContext, account: Int) throws(SmartcarError) -> Int {
        guard let id = context.parameters["id"], let index = store.vehicleIndex(id),
            store.vehicleVendor[index] == .smartcar, store.vehicleAccount[index] == account
        else { throw SmartcarError.notFound }
        return index
    }

    /// Auth, ownership, permission, app and vehicle rate limits, sleep and reachability, then `body` under the
    /// vehicle's lock. `requests` is how many requests this counts as against the vehicle limit (batch: one a path).
    private func vehicleRequest(
        _ request: HTTPRequest, _ context: RequestContext, permission: String?, requests: Int = 1,
        _ body: (inout Vehicle, Double) throws(SmartcarError) -> HTTPResponse
    ) throws(SmartcarError) -> HTTPResponse {
        let account = try authenticate(request)
        let index = try ownedVehicle(context, account: account)
        let (scopes, limits) = store.withAccount(account) { ($0.scopes, $0.limits) }
        if let permission, !scopes.contains(permission) { throw SmartcarError.permission }
        try admit(account: account)
        let wall = store.wallNow()
        return try store.withVehicle(index, sleepAfter: nil) { (vehicle, now) throws(SmartcarError) -> HTTPResponse in
            for _ in 0..<requests {
                if let t = vehicle.pacing.smartcarRequests.take(
                    now: wall, limit: limits.vehicleRequestsPerHour, period: 3600)
                {
                    throw SmartcarError.vehicleRateLimit(t.retryAfter)
                }
            }
            if vehicle.unreachable { throw SmartcarError.unreachable }
            if vehicle.asleep { throw SmartcarError.asleep }
            return try body(&vehicle, now)
        }
    }

    static func action(_ request: HTTPRequest, allowed: [String]) throws(SmartcarError) -> String {
        guard let body = JSONValue.parse(request.body), let action = body["action"]?.stringValue,
            allowed.contains(action)
        else {
            throw SmartcarError.validation(
                "action must be one of \(allowed.joined(separator: ", ")).", field: "action")
        }
        return action
    }

    // MARK: Reads

    /// The body of a GET path for a vehicle.
    func read(_ path: String, vehicle v: Vehicle, imperial: Bool) throws(SmartcarError) -> JSONValue {
        let lane = v.actual
        switch path {
        case "/":
            return .object([
                ("id", .string(v.vendorID)), ("make", .string(v.make.name)), ("model", .string(v.model)),
                ("year", .int(v.year)),
            ])
        case "/vin": return .object([("vin", .string(v.vin))])
        case "/charge":
            let state =
                v.isDrawing(lane)
                ? "CHARGING"
                : (lane.pluggedIn && lane.soc >= Double(lane.chargeLimit) ? "FULLY_CHARGED" : "NOT_CHARGING")
            return .object([("isPluggedIn", .bool(lane.pluggedIn)), ("state", .string(state))])
        case "/battery":
            let km = lane.soc / 100 * v.capacityKWh * 6.2
            let range = imperial ? km / 1.609344 : km
            return .object([
                ("percentRemaining", .double((lane.soc * 10).rounded() / 1000)),
                ("range", .double((range * 10).rounded() / 10)),
            ])
        case "/battery/capacity": return .object([("capacity", .double(v.capacityKWh))])
        case "/charge/limit":
            if v.make.chargeLimitNeedsPlug && !lane.pluggedIn { throw SmartcarError.plugNotConnected }
            return .object([("limit", .double(Double(lane.chargeLimit) / 100))])
        case "/tesla/charge/ammeter":
            guard v.make == .tesla else { throw SmartcarError.makeNotCompatible }
            return .object([("amperage", .int(v.isDrawing(lane) ? v.drawAmps(lane) : 0))])
        default:
            throw SmartcarError.notFound
        }
    }

    private func list(_ request: HTTPRequest) throws(SmartcarError) -> HTTPResponse {
        let account = try authenticate(request)
        try admit(account: account)
        let limitText = request.query["limit"]
        let limit = Int(limitText ?? "10") ?? -1
        let offset = Int(request.query["offset"] ?? "0") ?? -1
        guard (1...50).contains(limit) else { throw SmartcarError.validation("limit must be 1–50.", field: "limit") }
        guard offset >= 0 else { throw SmartcarError.validation("offset must be >= 0.", field: "offset") }
        let all = store.accountVehicles[account]
        let page = all.dropFirst(offset).prefix(limit)
        let ids: [JSONValue] = page.map { index in
            .string(store.withVehicle(index, sleepAfter: nil) { v, _ in v.vendorID })
        }
        return SmartcarReply.ok(
            .object([
                ("vehicles", .array(ids)),
                ("paging", .object([("count", .int(all.count)), ("offset", .int(offset))])),
            ]), data: false)
    }

    private func batch(_ request: HTTPRequest, _ context: RequestContext) throws(SmartcarError) -> HTTPResponse {
        guard let body = JSONValue.parse(request.body), let requests = body["requests"]?.arrayValue,
            !requests.isEmpty, requests.count <= 20
        else { throw SmartcarError.validation("requests must be a list of 1–20 {path}.", field: "requests") }
        let paths = requests.map { $0["path"]?.stringValue ?? "" }
        let imperial = request.headers["SC-Unit-System"]?.lowercased() == "imperial"
        let account = try authenticate(request)
        let index = try ownedVehicle(context, account: account)
        try admit(account: account)
        let (scopes, limits) = store.withAccount(account) { ($0.scopes, $0.limits) }
        let wall = store.wallNow()
        let stamp = ISOTime.format(wall)
        let responses: [JSONValue] = store.withVehicle(index, sleepAfter: nil) { vehicle, _ in
            paths.map { path in
                let normalized = path.hasPrefix("/") ? path : "/" + path
                let result: Result<JSONValue, SmartcarError>
                if let t = vehicle.pacing.smartcarRequests.take(
                    now: wall, limit: limits.vehicleRequestsPerHour, period: 3600)
                {
                    result = .failure(.vehicleRateLimit(t.retryAfter))
                } else if let permission = Self.readPaths[normalized], !scopes.contains(permission) {
                    result = .failure(.permission)
                } else if vehicle.unreachable {
                    result = .failure(.unreachable)
                } else if vehicle.asleep {
                    result = .failure(.asleep)
                } else {
                    do {
                        result = .success(try read(normalized, vehicle: vehicle, imperial: imperial))
                    } catch {
                        result = .failure(error as? SmartcarError ?? .notFound)
                    }
                }
                switch result {
                case .success(let body):
                    return .object([
                        ("path", .string(path)), ("code", .int(200)),
                        (
                            "headers",
                            .object([
                                ("sc-data-age", .string(stamp)), ("sc-fetched-at", .string(stamp)),
                                ("sc-unit-system", .string(imperial ? "imperial" : "metric")),
                            ])
                        ),
                        ("body", body),
                    ])
                case .failure(let error):
                    let headers: JSONValue = .object(
                        error.retryAfter.map { [("Retry-After", .string(String($0)))] } ?? [])
                    return .object([
                        ("path", .string(path)), ("code", .int(error.status)), ("headers", headers),
                        ("body", error.body(requestID: SmartcarReply.newRequestID())),
                    ])
                }
            }
        }
        return SmartcarReply.ok(.object([("responses", .array(responses))]), data: false)
    }

    // MARK: OAuth

    /// `POST /oauth/token`: Basic client auth, form-encoded; `authorization_code` and `refresh_token` (§2).
    private func token(_ request: HTTPRequest) -> HTTPResponse {
        func oauthError(_ status: Int, _ error: String, _ description: String) -> HTTPResponse {
            .json(
                JSONValue.object([("error", .string(error)), ("error_description", .string(description))]).bytes,
                status: HTTPStatus(code: status))
        }
        guard let auth = request.headers["Authorization"], auth.lowercased().hasPrefix("basic ") else {
            return oauthError(401, "invalid_client", "Invalid client credentials.")
        }
        let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
        let outcome: GrantOutcome
        switch form["grant_type"] {
        case "refresh_token":
            let refresh = form["refresh_token"] ?? ""
            outcome = store.refresh(vendor: .smartcar, refreshToken: refresh)
            if case .invalidGrant = outcome {
                return oauthError(400, "invalid_grant", "Invalid refresh_token: \(refresh).")
            }
        case "authorization_code":
            let code = form["code"] ?? ""
            outcome = store.exchange(vendor: .smartcar, code: code)
            if case .invalidGrant = outcome { return oauthError(400, "invalid_grant", "Invalid code: \(code).") }
        default:
            return oauthError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
        }
        switch outcome {
        case .granted(let access, let refresh, let expiresIn, _):
            return .json(
                JSONValue.object([
                    ("access_token", .string(access)), ("token_type", .string("Bearer")),
                    ("expires_in", .int(expiresIn)), ("refresh_token", .string(refresh)),
                ]).bytes)
        case .throttled(let t):
            return SmartcarError.appRateLimit(t.retryAfter).response()
        case .invalidGrant:
            return oauthError(400, "invalid_grant", "Invalid grant.")
        }
    }
}

extension SmartcarError {
    func with(code: String, _ description: String) -> SmartcarError {
        var copy = self
        copy.code = code
        copy.description = description
        return copy
    }
}
