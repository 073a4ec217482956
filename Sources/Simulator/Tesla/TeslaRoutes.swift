import HTTP

/// The Tesla Fleet API facade (shared/vendors/tesla-fleet.md §12): vehicle list and lookup, `vehicle_data`,
/// `wake_up`, the charging commands, `fleet_status`, `users/region`, `/status` and the OAuth token endpoint.
struct TeslaRoutes: Sendable {
    let simulator: Simulator
    var store: FleetStore { simulator.store }

    /// Pricing and rate-limit category of a request (§7, §8).
    enum Category { case data, command, wake, other }

    func register(on router: inout Router) {
        router.get("/status") { _, _ in .text("ok") }
        router.post("/oauth2/v3/token") { request, _ in
            simulator.isDown(.tesla) ? .dropConnection : token(request)
        }
        router.get("/api/1/users/region") { request, _ in
            try await faulted {
                let account = try authenticate(request).get()
                let region = store.withAccount(account) { $0.region }
                return TeslaReply.ok(
                    .object([
                        ("region", .string(region)),
                        ("fleet_api_base_url", .string("https://fleet-api.prd.\(region).vn.cloud.tesla.com")),
                    ]))
            }
        }
        router.get("/api/1/vehicles") { request, _ in
            try await faulted { try list(request) }
        }
        router.post("/api/1/vehicles/fleet_status") { request, _ in
            try await faulted { try fleetStatus(request) }
        }
        router.get("/api/1/vehicles/:tag") { request, context in
            try await faulted {
                try vehicleRequest(request, context, .other) { vehicle, _ in TeslaReply.ok(vehicleObject(vehicle)) }
            }
        }
        router.get("/api/1/vehicles/:tag/vehicle_data") { request, context in
            try await faulted {
                try vehicleRequest(request, context, .data) { vehicle, now in
                    guard !vehicle.asleep && !vehicle.unreachable else { return TeslaReply.asleep }
                    vehicle.lastActive = now
                    let endpoints = (request.query["endpoints"] ?? "charge_state").split(separator: ";")
                    return TeslaReply.ok(vehicleData(vehicle, endpoints: endpoints.map(String.init), now: now))
                }
            }
        }
        router.post("/api/1/vehicles/:tag/wake_up") { request, context in
            try await faulted {
                try vehicleRequest(request, context, .wake) { vehicle, now in
                    // Answers at once with the current state; online only after the wake delay (§4.3).
                    if vehicle.asleep && vehicle.wakeAt == nil && !vehicle.unreachable {
                        vehicle.wakeAt = now + simulator.faults.wakeDelay
                        if simulator.faults.wakeDelay == 0 {
                            ChargingPhysics.advance(&vehicle, to: now + 1e-9, sleepAfter: nil)
                        }
                    }
                    return TeslaReply.ok(vehicleObject(vehicle))
                }
            }
        }
        router.post("/api/1/vehicles/:tag/command/:name") { request, context in
            try await faulted { try command(request, context) }
        }
    }

    // MARK: Pipeline

    private func faulted(_ handler: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        do {
            return try await simulator.withFaults(
                vendor: .tesla, renderError: TeslaReply.injected,
                renderBurst: { TeslaReply.tooManyRequests(Throttle(retryAfter: $0, limit: 30)) }, handler)
        } catch let rejection as TeslaRejection {
            return rejection.response
        }
    }

    /// A request refused before it reached a vehicle.
    struct TeslaRejection: Error {
        let response: HTTPResponse
    }

    private func authenticate(_ request: HTTPRequest) -> Result<Int, TeslaRejection> {
        switch store.authenticate(request.headers["Authorization"], vendor: .tesla) {
        case .success(let account): .success(account)
        case .failure(.expired): .failure(TeslaRejection(response: TeslaReply.error(401, "token expired (401)")))
        case .failure: .failure(TeslaRejection(response: TeslaReply.error(401, "invalid bearer token")))
        }
    }

    /// Counts the request against the account (billing, account window); a 429 when over.
    private func admit(account: Int, category: Category) -> TeslaRejection? {
        let now = store.wallNow()
        return store.withAccount(account) { a -> TeslaRejection? in
            switch category {
            case .data: a.billable.data += 1
            case .command: a.billable.commands += 1
            case .wake: a.billable.wakes += 1
            case .other: a.billable.other += 1
            }
            if let t = a.pacing.requests.take(now: now, limit: a.limits.accountRequestsPerMinute, period: 60) {
                return TeslaRejection(response: TeslaReply.tooManyRequests(t))
            }
            return nil
        }
    }

    private func requireScopes(account: Int, _ category: Category) -> TeslaRejection? {
        let scopes = store.withAccount(account) { $0.scopes }
        let ok =
            switch category {
            case .data: scopes.contains("vehicle_device_data")
            case .command: scopes.contains("vehicle_cmds") || scopes.contains("vehicle_charging_cmds")
            case .wake, .other: true
            }
        return ok ? nil : TeslaRejection(response: TeslaReply.error(403, "Unauthorized missing scopes"))
    }

    /// Auth, lookup, scopes, account and vehicle rate limits, then `body` under the vehicle's lock.
    private func vehicleRequest(
        _ request: HTTPRequest, _ context: RequestContext, _ category: Category,
        _ body: (inout Vehicle, Double) -> HTTPResponse
    ) throws -> HTTPResponse {
        let account = try authenticate(request).get()
        guard let tag = context.parameters["tag"], let index = store.vehicleIndex(tag),
            store.vehicleVendor[index] == .tesla, store.vehicleAccount[index] == account
        else { return TeslaReply.notFound }
        if let rejection = requireScopes(account: account, category) { throw rejection }
        if let rejection = admit(account: account, category: category) { throw rejection }
        let limits = store.withAccount(account) { $0.limits }
        let wall = store.wallNow()
        return store.withVehicle(index, sleepAfter: simulator.sleepAfter) { vehicle, now in
            let throttle: Throttle? =
                switch category {
                case .data: vehicle.pacing.data.take(now: wall, limit: limits.vehicleDataPerMinute, period: 60)
                case .command:
                    vehicle.pacing.commands.take(now: wall, limit: limits.vehicleCommandsPerMinute, period: 60)
                case .wake: vehicle.pacing.wakes.take(now: wall, limit: limits.vehicleWakesPerMinute, period: 60)
                case .other: nil
                }
            if let throttle { return TeslaReply.tooManyRequests(throttle) }
            return body(&vehicle, now)
        }
    }

    private func command(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
        guard let name = context.parameters["name"] else { return TeslaReply.notFound }
        let contentType = request.headers["Content-Type"] ?? ""
        if !request.body.isEmpty && !contentType.lowercased().contains("json") {
            return TeslaReply.error(406, "not acceptable", description: "Content-Type must be application/json")
        }
        guard let body = JSONValue.parse(request.body), case .object = body else {
            return TeslaReply.error(400, "invalid_request", description: "body must be a JSON object")
        }
        guard TeslaCommands.names.contains(name) else {
            // Authenticate first so an unknown command from a stranger is still a 401.
            _ = try authenticate(request).get()
            return TeslaReply.error(400, "invalid_command")
        }
        let proxyReasons = simulator.faults.teslaProxyReasons
        return try vehicleRequest(request, context, .command) { vehicle, now in
            guard !vehicle.asleep && !vehicle.unreachable else { return TeslaReply.asleep }
            vehicle.lastActive = now
            switch TeslaCommands.execute(name, body: body, vehicle: &vehicle, now: now) {
            case .result(let ok, let reason):
                return proxyReasons ? TeslaReply.proxyResult(ok, reason) : TeslaReply.result(ok, reason)
            case .badRequest(let error): return TeslaReply.error(400, error)
            }
        }
    }

    private func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let account = try authenticate(request).get()
        if let rejection = admit(account: account, category: .other) { throw rejection }
        let all = store.accountVehicles[account]
        let perPage = max(1, min(Int(request.query["per_page"] ?? "") ?? 100, 100))
        let page = max(1, Int(request.query["page"] ?? "") ?? 1)
        let pages = max(1, (all.count + perPage - 1) / perPage)
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        let sleepAfter = simulator.sleepAfter
        let objects = slice.map { index in store.withVehicle(index, sleepAfter: sleepAfter) { v, _ in vehicleObject(v) }
        }
        return TeslaReply.ok(.array(objects)).replacingBody(
            .object([
                ("response", .array(objects)),
                (
                    "pagination",
                    .object([
                        ("previous", page > 1 ? .int(page - 1) : .null),
                        ("next", page < pages ? .int(page + 1) : .null),
                        ("current", .int(page)), ("per_page", .int(perPage)), ("count", .int(all.count)),
                        ("pages", .int(pages)),
                    ])
                ),
                ("count", .int(all.count)),
            ]))
    }

    private func fleetStatus(_ request: HTTPRequest) throws -> HTTPResponse {
        let account = try authenticate(request).get()
        guard let body = JSONValue.parse(request.body), let vins = body["vins"]?.arrayValue else {
            return TeslaReply.error(400, "invalid_field", description: "vins is required")
        }
        var paired: [JSONValue] = []
        var info: [(String, JSONValue)] = []
        for vin in vins.compactMap(\.stringValue) {
            guard let index = store.vehicleIndex(vin), store.vehicleAccount[index] == account else { continue }
            paired.append(.string(vin))
            info.append(
                (
                    vin,
                    .object([
                        ("firmware_version", .string("2025.14.3")), ("vehicle_command_protocol_required", .bool(true)),
                        ("discounted_device_data", .bool(false)), ("fleet_telemetry_version", .string("1.0.0")),
                        ("total_number_of_keys", .int(3)),
                    ])
                ))
        }
        return TeslaReply.ok(
            .object([
                ("key_paired_vins", .array(paired)), ("unpaired_vins", .array([])), ("vehicle_info", .object(info)),
            ]))
    }

    // MARK: OAuth

    /// `POST /oauth2/v3/token`, form-encoded: `refresh_token`, `authorization_code` and `client_credentials` (§2).
    private func token(_ request: HTTPRequest) -> HTTPResponse {
        let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
        let outcome: GrantOutcome
        switch form["grant_type"] {
        case "refresh_token":
            guard let refresh = form["refresh_token"], form["client_id"] != nil else {
                return oauthError(400, "invalid_request", "refresh_token and client_id are required")
            }
            outcome = store.refresh(vendor: .tesla, refreshToken: refresh)
            if case .invalidGrant = outcome {
                return oauthError(401, "login_required", "The refresh token is invalid.")
            }
        case "authorization_code":
            guard let code = form["code"] else { return oauthError(400, "invalid_request", "code is required") }
            outcome = store.exchange(vendor: .tesla, code: code)
            if case .invalidGrant = outcome { return oauthError(400, "invalid_auth_code", "The code is invalid.") }
        case "client_credentials":
            // A partner token: valid for partner endpoints only, which the simulator does not serve.
            return .json(
                JSONValue.object([
                    ("access_token", .string("tsla_partner_" + String(UInt64.random(in: 0...UInt64.max), radix: 16))),
                    ("expires_in", .int(28800)), ("token_type", .string("Bearer")),
                ]).bytes)
        default:
            return oauthError(400, "unsupported_grant_type", "grant_type is not supported")
        }
        switch outcome {
        case .granted(let access, let refresh, let expiresIn, _):
            return .json(
                JSONValue.object([
                    ("access_token", .string(access)), ("refresh_token", .string(refresh)),
                    ("id_token", .string("sim.id.token")), ("expires_in", .int(expiresIn)),
                    ("state", .null), ("token_type", .string("Bearer")),
                ]).bytes)
        case .throttled(let throttle):
            return TeslaReply.tooManyRequests(throttle)
        case .invalidGrant:
            return oauthError(401, "login_required", "")
        }
    }

    private func oauthError(_ status: Int, _ error: String, _ description: String) -> HTTPResponse {
        .json(
            JSONValue.object([("error", .string(error)), ("error_description", .string(description))]).bytes,
            status: HTTPStatus(code: status))
    }

    // MARK: Rendering

    func vehicleObject(_ v: Vehicle) -> JSONValue {
        let state = v.unreachable ? "offline" : (v.asleep ? "asleep" : "online")
        return .object([
            ("id", .int(v.teslaID)), ("vehicle_id", .int(v.teslaVehicleID)), ("vin", .string(v.vin)),
            ("color", .null), ("access_type", .string("OWNER")),
            ("display_name", .string("\(v.model) \(v.index)")), ("option_codes", .null),
            ("granular_access", .object([("hide_private", .bool(false))])),
            ("tokens", .array([.string(String(v.teslaID, radix: 16)), .string(String(v.teslaVehicleID, radix: 16))])),
            ("state", .string(state)), ("in_service", .bool(false)), ("id_s", .string(String(v.teslaID))),
            ("calendar_enabled", .bool(true)), ("api_version", .int(71)), ("backseat_token", .null),
            ("backseat_token_updated_at", .null),
        ])
    }

    func vehicleData(_ v: Vehicle, endpoints: [String], now: Double) -> JSONValue {
        guard case .object(var members) = vehicleObject(v) else { return .null }
        members.append(("user_id", .int(1_000_000 + v.accountIndex)))
        for endpoint in Set(endpoints) {
            switch endpoint {
            case "charge_state": members.append(("charge_state", Self.chargeState(v, now: now)))
            case "charge_schedule_data":
                members.append(
                    (
                        "charge_schedule_data",
                        .object([
                            ("charge_schedules", .array([])), ("charge_schedule_window", .object([])),
                            ("next_schedule", .bool(false)),
                        ])
                    ))
            case "vehicle_state":
                members.append(
                    (
                        "vehicle_state",
                        .object([
                            ("car_version", .string("2025.14.3")), ("timestamp", .int(Int(now * 1000))),
                            ("vehicle_name", .string("\(v.model) \(v.index)")),
                        ])
                    ))
            default: break
            }
        }
        return .object(members)
    }

    /// `charge_state` with the documented field types: integers where Tesla sends integers (§4.2, §12.4).
    static func chargeState(_ v: Vehicle, now: Double) -> JSONValue {
        let lane = v.actual
        let drawing = v.isDrawing(lane)
        let kW = v.power(lane)
        let state: String =
            !lane.pluggedIn
            ? "Disconnected"
            : drawing
                ? "Charging"
                : lane.soc >= Double(lane.chargeLimit) ? "Complete" : lane.evseNoPower ? "NoPower" : "Stopped"
        let hoursToFull = drawing ? (Double(lane.chargeLimit) - lane.soc) / 100 * v.capacityKWh / kW : 0
        let rangeMiles = lane.soc / 100 * v.capacityKWh * 4.0
        let schedule = v.schedule
        let midnight = (now / 86400).rounded(.down) * 86400
        let scheduledStart = schedule.enabled ? .int(Int(midnight) + schedule.startMinutes * 60) : JSONValue.null
        return .object([
            ("battery_heater_on", .bool(false)), ("battery_level", .int(Int(lane.soc))),
            ("battery_range", .double((rangeMiles * 100).rounded() / 100)),
            ("charge_amps", .int(lane.amps)), ("charge_current_request", .int(lane.amps)),
            ("charge_current_request_max", .int(v.maxAmps)),
            ("charge_enable_request", .bool(lane.chargeEnabled)),
            ("charge_energy_added", .double((lane.sessionEnergyKWh * 100).rounded() / 100)),
            ("charge_limit_soc", .int(lane.chargeLimit)), ("charge_limit_soc_max", .int(100)),
            ("charge_limit_soc_min", .int(50)), ("charge_limit_soc_std", .int(90)),
            ("charge_miles_added_ideal", .double((lane.sessionEnergyKWh * 4 * 10).rounded() / 10)),
            ("charge_miles_added_rated", .double((lane.sessionEnergyKWh * 4 * 10).rounded() / 10)),
            ("charge_port_cold_weather_mode", .bool(false)),
            ("charge_port_door_open", .bool(v.chargePortDoorOpen)),
            ("charge_port_latch", .string(lane.pluggedIn ? "Engaged" : "Disengaged")),
            ("charge_rate", .double(drawing ? (kW * 4 * 10).rounded() / 10 : 0)),
            ("charger_actual_current", .int(drawing ? v.drawAmps(lane) : 0)),
            ("charger_phases", lane.pluggedIn ? .int(v.phases) : .null),
            ("charger_pilot_current", .int(lane.pluggedIn ? v.maxAmps : 0)),
            ("charger_power", .int(Int(kW.rounded()))),
            ("charger_voltage", .int(drawing ? v.volts : (lane.pluggedIn ? 2 : 0))),
            ("charging_state", .string(state)),
            ("conn_charge_cable", .string(lane.pluggedIn ? (v.market == "US" ? "SAE" : "IEC") : "<invalid>")),
            ("est_battery_range", .double((rangeMiles * 0.9 * 100).rounded() / 100)),
            ("fast_charger_brand", .string("<invalid>")), ("fast_charger_present", .bool(false)),
            ("fast_charger_type", .string(lane.pluggedIn ? "ACSingleWireCAN" : "<invalid>")),
            ("ideal_battery_range", .double((rangeMiles * 100).rounded() / 100)),
            ("managed_charging_active", .bool(false)), ("managed_charging_start_time", .null),
            ("managed_charging_user_canceled", .bool(false)), ("max_range_charge_counter", .int(0)),
            ("minutes_to_full_charge", .int(Int((hoursToFull * 60).rounded()))),
            ("not_enough_power_to_heat", .null),
            ("off_peak_charging_enabled", .bool(schedule.offPeakChargingEnabled)),
            ("off_peak_charging_times", .string("all_week")),
            ("off_peak_hours_end_time", .int(schedule.offPeakEndMinutes)),
            ("preconditioning_enabled", .bool(schedule.preconditioningEnabled)),
            ("preconditioning_times", .string("all_week")),
            (
                "scheduled_charging_mode",
                .string(schedule.enabled ? "StartAt" : (schedule.departureEnabled ? "DepartBy" : "Off"))
            ),
            ("scheduled_charging_pending", .bool(schedule.enabled && lane.pluggedIn && !drawing)),
            ("scheduled_charging_start_time", scheduledStart),
            (
                "scheduled_departure_time",
                schedule.departureEnabled ? .int(Int(midnight) + schedule.departureMinutes * 60) : .null
            ),
            ("scheduled_departure_time_minutes", .int(schedule.departureMinutes)),
            ("supercharger_session_trip_planner", .bool(false)),
            ("time_to_full_charge", .double((hoursToFull * 100).rounded() / 100)),
            ("timestamp", .int(Int(now * 1000))), ("trip_charging", .bool(false)),
            ("usable_battery_level", .int(Int(lane.soc))), ("user_charge_enable_request", .null),
        ])
    }
}

extension HTTPResponse {
    func replacingBody(_ json: JSONValue) -> HTTPResponse {
        var copy = self
        copy.body = json.bytes
        return copy
    }
}

extension Result where Failure == TeslaRoutes.TeslaRejection {}
