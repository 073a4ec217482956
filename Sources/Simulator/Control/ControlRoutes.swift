import HTTP

/// The `/_sim` control API (DESIGN.md §4): inspect vehicles and accounts, act as the driver, inject faults,
/// reset, and read ground truth. Errors are problem+json like the rest of Curtail.
struct ControlRoutes: Sendable {
    let simulator: Simulator
    var store: FleetStore { simulator.store }

    func register(on router: inout Router) {
        router.get("/_sim/vehicles") { request, _ in
            let vendor = request.query["vendor"]
            let accountID = request.query["account_id"]
            let make = request.query["make"]?.uppercased()
            let accounts = store.allAccounts()
            let vehicles = store.allVehicles(sleepAfter: simulator.sleepAfter).filter { v in
                (vendor == nil || v.vendor.rawValue == vendor)
                    && (accountID == nil || accounts[v.accountIndex].id == accountID)
                    && (make == nil || v.make.name == make)
            }
            var out: [UInt8] = [UInt8(ascii: "[")]
            out.reserveCapacity(vehicles.count * 420)
            for (i, v) in vehicles.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.vehicleJSON(v, accountID: accounts[v.accountIndex].id).write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
            return .json(out)
        }
        router.get("/_sim/vehicles/:id") { _, context in
            let index = try vehicle(context)
            let accountID = store.withAccount(store.vehicleAccount[index]) { $0.id }
            let v = store.withVehicle(index, sleepAfter: simulator.sleepAfter) { v, _ in v }
            return .json(Self.vehicleJSON(v, accountID: accountID).bytes)
        }
        router.patch("/_sim/vehicles/:id") { request, context in
            let index = try vehicle(context)
            guard let patch = JSONValue.parse(request.body), case .object = patch else {
                throw HTTPError(.badRequest, "body must be a JSON object")
            }
            let accountID = store.withAccount(store.vehicleAccount[index]) { $0.id }
            let v = try store.withVehicle(index, sleepAfter: simulator.sleepAfter) { (v, now) throws(HTTPError) in
                try Self.apply(patch, to: &v, now: now)
                return v
            }
            return .json(Self.vehicleJSON(v, accountID: accountID).bytes)
        }
        router.get("/_sim/accounts") { request, _ in
            let vendor = request.query["vendor"]
            let accounts = store.allAccounts().filter { vendor == nil || $0.vendor.rawValue == vendor }
            return .json(JSONValue.array(accounts.map(accountJSON)).bytes)
        }
        router.get("/_sim/accounts/:id") { _, context in
            let index = try account(context)
            return .json(accountJSON(store.withAccount(index) { $0 }).bytes)
        }
        router.patch("/_sim/accounts/:id") { request, context in
            let index = try account(context)
            guard let patch = JSONValue.parse(request.body), case .object = patch else {
                throw HTTPError(.badRequest, "body must be a JSON object")
            }
            if let scopes = patch["scopes"] {
                guard let list = scopes.arrayValue?.compactMap(\.stringValue) else {
                    throw HTTPError(.unprocessableContent, "scopes must be an array of strings")
                }
                store.withAccount(index) { $0.scopes = list }
            }
            if let limits = patch["limits"] {
                guard case .object = limits else { throw HTTPError(.unprocessableContent, "limits must be an object") }
                store.withAccount(index) { $0.limits.merge(limits) }
            }
            if let expiresIn = patch["access_token_expires_in"] {
                guard let seconds = expiresIn.doubleValue else {
                    throw HTTPError(.unprocessableContent, "access_token_expires_in must be a number of seconds")
                }
                store.expireAccessToken(account: index, in: seconds)
            }
            return .json(accountJSON(store.withAccount(index) { $0 }).bytes)
        }
        router.get("/_sim/faults") { _, _ in .json(simulator.faults.json.bytes) }
        router.post("/_sim/faults") { request, _ in
            guard let body = JSONValue.parse(request.body) else { throw HTTPError(.badRequest, "body must be JSON") }
            let config: FaultConfig
            do {
                config = try FaultConfig.parse(body, now: store.wallNow(), defaults: simulator.initialFaults)
            } catch let error as FaultParseError {
                throw HTTPError(.unprocessableContent, error.message)
            }
            try applyVehicleActions(body)
            simulator.faultState.withLock { $0 = config }
            return .json(config.json.bytes)
        }
        router.post("/_sim/reset") { request, _ in
            let body = JSONValue.parse(request.body)
            let scale = body?["time_scale"]?.doubleValue
            if let scale, scale <= 0 { throw HTTPError(.unprocessableContent, "time_scale must be > 0") }
            store.reset(timeScale: scale)
            simulator.faultState.withLock { $0 = simulator.initialFaults }
            return .json(clockJSON().bytes)
        }
        router.get("/_sim/clock") { _, _ in .json(clockJSON().bytes) }
        router.get("/_sim/truth") { request, _ in try truth(request) }
    }

    private func vehicle(_ context: RequestContext) throws(HTTPError) -> Int {
        guard let index = store.vehicleIndex(try context.parameter("id")) else {
            throw HTTPError(.notFound, "no simulated vehicle with that id")
        }
        return index
    }

    private func account(_ context: RequestContext) throws(HTTPError) -> Int {
        guard let index = store.accountIndex(try context.parameter("id")) else {
            throw HTTPError(.notFound, "no simulated account with that id")
        }
        return index
    }

    private func applyVehicleActions(_ body: JSONValue) throws(HTTPError) {
        let actions: [(String, (inout Vehicle) -> Void)] = [
            (
                "sleep_vehicles",
                {
                    $0.asleep = true; $0.wakeAt = nil
                }
            ),
            (
                "wake_vehicles",
                {
                    $0.asleep = false; $0.wakeAt = nil
                }
            ),
            ("unreachable_vehicles", { $0.unreachable = true }),
            ("reachable_vehicles", { $0.unreachable = false }),
        ]
        for (key, action) in actions {
            guard let list = body[key] else { continue }
            guard let ids = list.arrayValue?.compactMap(\.stringValue) else {
                throw HTTPError(.unprocessableContent, "\(key) must be an array of vehicle ids")
            }
            for id in ids {
                guard let index = store.vehicleIndex(id) else {
                    throw HTTPError(.unprocessableContent, "\(key): unknown vehicle \(id)")
                }
                store.withVehicle(index, sleepAfter: simulator.sleepAfter) { v, now in
                    action(&v)
                    v.lastActive = now
                }
            }
        }
    }

    /// A driver's or the world's change: plug and state of charge apply to both lanes (the counterfactual vehicle
    /// would have been plugged in or out too); sleep and reachability are the vehicle's.
    static func apply(_ patch: JSONValue, to v: inout Vehicle, now: Double) throws(HTTPError) {
        if let plugged = patch["plugged_in"] {
            guard let p = plugged.boolValue else {
                throw HTTPError(.unprocessableContent, "plugged_in must be a boolean")
            }
            for lane in [\Vehicle.actual, \Vehicle.counterfactual] where v[keyPath: lane].pluggedIn != p {
                v[keyPath: lane].pluggedIn = p
                v[keyPath: lane].sessionEnergyKWh = 0
                // Plugging in starts charging unless a schedule holds it, as cars do.
                if p { v[keyPath: lane].chargeEnabled = !v.schedule.enabled }
            }
            v.chargePortDoorOpen = p || v.chargePortDoorOpen
        }
        if let soc = patch["soc"] {
            guard let s = soc.doubleValue, (0...100).contains(s) else {
                throw HTTPError(.unprocessableContent, "soc must be 0–100")
            }
            v.actual.soc = s
            v.counterfactual.soc = s
        }
        if let charging = patch["charging"] {
            guard let c = charging.boolValue else {
                throw HTTPError(.unprocessableContent, "charging must be a boolean")
            }
            v.actual.chargeEnabled = c
            v.counterfactual.chargeEnabled = c
        }
        if let noPower = patch["evse_no_power"]?.boolValue {
            v.actual.evseNoPower = noPower
            v.counterfactual.evseNoPower = noPower
        }
        if let maxAmps = patch["max_amps"] {
            guard let a = maxAmps.intValue, (6...80).contains(a) else {
                throw HTTPError(.unprocessableContent, "max_amps must be 6–80")
            }
            v.maxAmps = a
        }
        if let asleep = patch["asleep"] {
            guard let a = asleep.boolValue else { throw HTTPError(.unprocessableContent, "asleep must be a boolean") }
            v.asleep = a
            v.wakeAt = nil
            v.lastActive = now
        }
        if let unreachable = patch["unreachable"] {
            guard let u = unreachable.boolValue else {
                throw HTTPError(.unprocessableContent, "unreachable must be a boolean")
            }
            v.unreachable = u
        }
        if let schedule = patch["schedule_enabled"]?.boolValue { v.schedule.enabled = schedule }
        if let os = patch["os_version"]?.intValue { v = v.with(osVersion: os) }
        ChargingPhysics.settle(&v, at: now)
    }

    static func vehicleJSON(_ v: Vehicle, accountID: String) -> JSONValue {
        let lane = v.actual
        let kW = v.power(lane)
        var members: [(String, JSONValue)] = [
            ("id", .string(v.vendorID)), ("vendor", .string(v.vendor.rawValue)), ("make", .string(v.make.name)),
            ("model", .string(v.model)), ("year", .int(v.year)), ("vin", .string(v.vin)),
            ("account_id", .string(accountID)), ("plugged_in", .bool(lane.pluggedIn)),
            ("charging", .bool(v.isDrawing(lane))), ("charge_enabled", .bool(lane.chargeEnabled)),
            ("power_kw", .double((kW * 1000).rounded() / 1000)), ("amps", .int(lane.amps)),
            ("draw_amps", .int(v.isDrawing(lane) ? v.drawAmps(lane) : 0)), ("max_amps", .int(v.maxAmps)),
            ("volts", .int(v.volts)), ("phases", .int(v.phases)), ("charge_limit", .int(lane.chargeLimit)),
            ("soc", .double((lane.soc * 100).rounded() / 100)), ("capacity_kwh", .double(v.capacityKWh)),
            ("asleep", .bool(v.asleep)), ("unreachable", .bool(v.unreachable)), ("market", .string(v.market)),
            ("schedule_enabled", .bool(v.schedule.enabled)), ("evse_no_power", .bool(lane.evseNoPower)),
            ("energy_kwh", .double((lane.totalEnergyKWh * 1000).rounded() / 1000)),
        ]
        if v.vendor == .tesla { members.append(("tesla_id", .int(v.teslaID))) }
        if v.make.needsOS8ForCommands { members.append(("os_version", .int(v.osVersion))) }
        return .object(members)
    }

    func accountJSON(_ a: Account) -> JSONValue {
        let ids = a.vehicleIndices.map { index in
            JSONValue.string(store.withVehicle(index, sleepAfter: nil) { v, _ in v.vendorID })
        }
        return .object([
            ("id", .string(a.id)), ("vendor", .string(a.vendor.rawValue)), ("region", .string(a.region)),
            ("user_id", .string(a.userID)), ("vehicle_ids", .array(ids)),
            ("access_token", .string(a.accessToken)), ("refresh_token", .string(a.refreshToken)),
            ("expires_at", .string(ISOTime.format(a.accessExpiresAt))),
            ("refresh_expires_at", .string(ISOTime.format(a.refreshExpiresAt))),
            ("auth_code", .string(a.vendor == .tesla ? a.region.uppercased() + "_" + a.id : a.id)),
            ("scopes", .array(a.scopes.map { .string($0) })), ("limits", a.limits.json),
            ("billable", a.billable.json),
        ])
    }

    private func clockJSON() -> JSONValue {
        let base = store.currentTimeBase
        let now = store.simNow()
        return .object([
            ("now", .string(ISOTime.format(now))), ("now_seconds", .double(now)),
            ("started_at", .string(ISOTime.format(base.origin))), ("time_scale", .double(base.scale)),
        ])
    }

    /// `GET /_sim/truth?from=&to=&vehicles=false`: kWh each lane drew in [from, to] (simulated time; RFC 3339 or
    /// epoch seconds; default: from the start to now), fleet-wide and per vehicle.
    private func truth(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        let now = store.simNow()
        let origin = store.currentTimeBase.origin
        func time(_ name: String, _ fallback: Double) throws(HTTPError) -> Double {
            guard let text = request.query[name] else { return fallback }
            guard let t = ISOTime.parse(text) else {
                throw HTTPError(.badRequest, "\(name) must be RFC 3339 or epoch seconds")
            }
            return t
        }
        let from = try time("from", origin)
        let to = min(try time("to", now), now)
        let perVehicle = request.query["vehicles"] != "false"
        var actualTotal = 0.0
        var counterfactualTotal = 0.0
        var rows: [JSONValue] = []
        for v in store.allVehicles(sleepAfter: simulator.sleepAfter) {
            let actual = ChargingPhysics.energy(v.actual.timeline, from: from, to: to)
            let counterfactual = ChargingPhysics.energy(v.counterfactual.timeline, from: from, to: to)
            actualTotal += actual
            counterfactualTotal += counterfactual
            if perVehicle && (actual > 0 || counterfactual > 0) {
                rows.append(
                    .object([
                        ("id", .string(v.vendorID)), ("actual_kwh", .double(Self.round(actual))),
                        ("counterfactual_kwh", .double(Self.round(counterfactual))),
                        ("actual_power_kw", .double(Self.round(v.power(v.actual)))),
                        ("counterfactual_power_kw", .double(Self.round(v.power(v.counterfactual)))),
                    ]))
            }
        }
        return .json(
            JSONValue.object([
                ("from", .string(ISOTime.format(from))), ("to", .string(ISOTime.format(to))),
                ("actual_kwh", .double(Self.round(actualTotal))),
                ("counterfactual_kwh", .double(Self.round(counterfactualTotal))),
                ("curtailed_kwh", .double(Self.round(counterfactualTotal - actualTotal))),
                ("vehicles", .array(rows)),
            ]).bytes)
    }

    static func round(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }
}

extension Vehicle {
    func with(osVersion: Int) -> Vehicle {
        Vehicle(
            index: index, vendor: vendor, makeIndex: makeIndex, model: model, year: year, vendorID: vendorID, vin: vin,
            teslaID: teslaID, teslaVehicleID: teslaVehicleID, accountIndex: accountIndex, market: market,
            capacityKWh: capacityKWh, volts: volts, phases: phases, maxAmps: maxAmps, osVersion: osVersion,
            actual: actual, counterfactual: counterfactual, asleep: asleep, wakeAt: wakeAt, unreachable: unreachable,
            lastActive: lastActive, chargePortDoorOpen: chargePortDoorOpen, schedule: schedule, updatedAt: updatedAt,
            pacing: pacing)
    }
}
