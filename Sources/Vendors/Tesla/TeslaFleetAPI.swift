import Foundation
import HTTP
import Logging

/// The Tesla Fleet API (tesla-fleet.md), as a ``VehicleAPI``.
///
/// ```swift
/// let tesla = TeslaFleetAPI(
///     apiBase: "https://fleet-api.prd.na.vn.cloud.tesla.com",
///     authURL: "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token",
///     clientID: clientID, commandProxyBase: "https://tesla-http-proxy.internal:4443", client: client)
/// let state = try await tesla.chargeState(of: vin, accessToken: token)
/// ```
///
/// - Vehicles are addressed by VIN everywhere: the signing proxy accepts nothing else (§4).
/// - Reads and wakes go to `apiBase`. Commands go to `commandProxyBase` (Tesla's `tesla-http-proxy`, which signs
///   them for cars that require the Vehicle Command Protocol, §9) when set, else to `apiBase`.
/// - Charge state asks for `endpoints=charge_state` only (§4.2). A sleeping car answers `.asleep`; reads never wake it.
/// - Answers are classified by ``TeslaClassifier``. Tokens are sent only to the configured hosts and never appear in
///   a log line or a ``VendorError``.
///
/// Thread-safe; holds no state besides its configuration.
public struct TeslaFleetAPI: VehicleAPI {
    public let vendor = VendorName.tesla
    /// The Fleet API origin, e.g. `https://fleet-api.prd.na.vn.cloud.tesla.com` or the simulator's.
    public let apiBase: String
    /// The OAuth token endpoint, e.g. `https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token`.
    public let authURL: String
    public let clientID: String
    /// Where commands are sent: the signing proxy, or ``apiBase``.
    public let commandBase: String
    public let timeouts: VendorTimeouts
    let transport: VendorTransport
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - commandProxyBase: the `tesla-http-proxy` origin. Defaults to `apiBase` (cars that accept unsigned
    ///     commands, and the simulator).
    ///   - timeouts: per-call deadlines. Defaults to ``VendorTimeouts/tesla``.
    ///   - now: the clock that turns `expires_in` into ``VendorCredentials/expiresAt``.
    public init(
        apiBase: String, authURL: String, clientID: String, commandProxyBase: String? = nil, client: HTTPClient,
        timeouts: VendorTimeouts = .tesla, logger: Logger = Logger(label: "curtail.vendors.tesla"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.apiBase = VendorText.trimmedBase(apiBase)
        self.authURL = authURL
        self.clientID = clientID
        self.commandBase = VendorText.trimmedBase(commandProxyBase ?? apiBase)
        self.timeouts = timeouts
        self.transport = VendorTransport(client: client, vendor: .tesla, logger: logger)
        self.now = now
    }

    // MARK: VehicleAPI

    /// `grant_type=refresh_token&client_id&refresh_token`, no secret (§2). Tesla rotates the refresh token: store
    /// the returned one; the old one stays valid for 24 h only.
    public func refresh(refreshToken: String) async throws(VendorError) -> VendorCredentials {
        try await OAuthRefresh.run(
            transport: transport, url: authURL,
            fields: [("grant_type", "refresh_token"), ("client_id", clientID), ("refresh_token", refreshToken)],
            headers: [:], refreshToken: refreshToken, timeout: timeouts.token, now: now())
    }

    /// `GET /api/1/vehicles`, every page (100 a page, §4.1). Ids are VINs; model and year are read from the VIN.
    public func listVehicles(accessToken: String) async throws(VendorError) -> [VendorVehicle] {
        var vehicles: [VendorVehicle] = []
        var page = 1
        // Bounded: 100 pages of 100 is far beyond any one owner's fleet; a looping `next` must not spin forever.
        for _ in 0..<100 {
            let response = try await call(
                .get, "\(apiBase)/api/1/vehicles?page=\(page)&per_page=100", token: accessToken,
                timeout: timeouts.data, operation: "list_vehicles")
            guard let envelope = VendorText.decode(TeslaWire.Envelope<[TeslaWire.Vehicle]>.self, from: response.body),
                let list = envelope.response
            else { throw VendorError.unexpectedBody("vehicle list", status: response.status.code) }
            for vehicle in list {
                guard let id = vehicle.vin ?? vehicle.id_s, !id.isEmpty else { continue }
                vehicles.append(
                    VendorVehicle(
                        id: id, make: "Tesla", model: vehicle.vin.flatMap(TeslaVIN.model),
                        year: vehicle.vin.flatMap(TeslaVIN.year), vin: vehicle.vin))
            }
            guard let next = envelope.pagination?.next, next > page, !list.isEmpty else { break }
            page = next
        }
        return vehicles
    }

    /// `GET /api/1/vehicles/{vin}/vehicle_data?endpoints=charge_state` (§4.2). Billed as data; does not wake the car.
    public func chargeState(of vehicleID: String, accessToken: String) async throws(VendorError) -> ChargeState {
        let vin = try VendorText.pathSegment(vehicleID)
        let response = try await call(
            .get, "\(apiBase)/api/1/vehicles/\(vin)/vehicle_data?endpoints=charge_state", token: accessToken,
            timeout: timeouts.data, operation: "vehicle_data")
        guard let envelope = VendorText.decode(TeslaWire.Envelope<TeslaWire.VehicleData>.self, from: response.body),
            let chargeState = envelope.response?.charge_state
        else { throw VendorError.unexpectedBody("vehicle_data without charge_state", status: response.status.code) }
        return chargeState.chargeState
    }

    /// Sends one command.
    ///
    /// - `.wake`: `POST wake_up` (§4.3). Tesla answers at once with the car's current state: `online` gives
    ///   `.alreadyInState("online")`; otherwise `.done` means the wake was requested, and the car is awake only once a
    ///   read stops answering `.asleep` (10–60 s; see ``waitUntilOnline(_:accessToken:timeout:interval:)``).
    /// - `.startCharging`, `.stopCharging`: `charge_start`, `charge_stop`.
    /// - `.setChargingAmps(n)`: `set_charging_amps {"charging_amps": n}`; the car clamps to its maximum. `n < 1` is
    ///   refused here as `.permanent`.
    /// - `.setChargeLimit(p)`: `set_charge_limit {"percent": p}`. Tesla reports success for an out-of-range percent
    ///   and ignores it (§4.4), so `p` outside 50...100 is refused here as `.permanent`.
    public func send(
        _ command: VehicleCommand, to vehicleID: String, accessToken: String
    ) async throws(VendorError) -> CommandOutcome {
        let vin = try VendorText.pathSegment(vehicleID)
        let name: String
        let body: String
        switch command {
        case .wake:
            return try await wake(vin, accessToken: accessToken)
        case .startCharging:
            (name, body) = ("charge_start", "{}")
        case .stopCharging:
            (name, body) = ("charge_stop", "{}")
        case .setChargingAmps(let amps):
            guard amps >= 1 else { throw VendorError.invalidInput("charging amps must be at least 1") }
            (name, body) = ("set_charging_amps", "{\"charging_amps\":\(amps)}")
        case .setChargeLimit(let percent):
            guard (50...100).contains(percent) else { throw VendorError.invalidInput("charge limit must be 50...100 %") }
            (name, body) = ("set_charge_limit", "{\"percent\":\(percent)}")
        }
        let response = try await call(
            .post, "\(commandBase)/api/1/vehicles/\(vin)/command/\(name)", token: accessToken, body: Array(body.utf8),
            timeout: timeouts.command, operation: name)
        guard let envelope = VendorText.decode(TeslaWire.Envelope<TeslaWire.CommandResult>.self, from: response.body),
            let result = envelope.response, result.result != nil
        else { throw VendorError.unexpectedBody("command answer without result", status: response.status.code) }
        return try TeslaClassifier.outcome(for: command, result: result)
    }

    // MARK: Tesla-only

    /// Polls `GET /api/1/vehicles/{vin}` (which neither wakes the car nor counts as a wake) every `interval` until it
    /// reports `online`, for at most `timeout`. Returns `true` once online, `false` when time ran out.
    /// - Throws: ``VendorError`` for any failed poll; cancellation ends the wait with `false`.
    public func waitUntilOnline(
        _ vehicleID: String, accessToken: String, timeout: Duration = .seconds(90), interval: Duration = .seconds(5)
    ) async throws(VendorError) -> Bool {
        let vin = try VendorText.pathSegment(vehicleID)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if try await vehicleState(vin, accessToken: accessToken) == "online" { return true }
            guard clock.now + interval <= deadline else { return false }
            do { try await Task.sleep(for: interval) } catch { return false }
        }
    }

    // MARK: Plumbing

    private func wake(_ vin: String, accessToken: String) async throws(VendorError) -> CommandOutcome {
        let response = try await call(
            .post, "\(apiBase)/api/1/vehicles/\(vin)/wake_up", token: accessToken, body: [], timeout: timeouts.command,
            operation: "wake_up")
        guard let envelope = VendorText.decode(TeslaWire.Envelope<TeslaWire.Vehicle>.self, from: response.body),
            let state = envelope.response?.state
        else { throw VendorError.unexpectedBody("wake_up answer without state", status: response.status.code) }
        return state == "online" ? .alreadyInState(reason: "online") : .done
    }

    private func vehicleState(_ vin: String, accessToken: String) async throws(VendorError) -> String? {
        let response = try await call(
            .get, "\(apiBase)/api/1/vehicles/\(vin)", token: accessToken, timeout: timeouts.data, operation: "vehicle")
        guard let envelope = VendorText.decode(TeslaWire.Envelope<TeslaWire.Vehicle>.self, from: response.body) else {
            throw VendorError.unexpectedBody("vehicle", status: response.status.code)
        }
        return envelope.response?.state
    }

    /// Sends an authorised request; a non-2xx answer throws as ``TeslaClassifier`` says.
    private func call(
        _ method: HTTPMethod, _ url: String, token: String, body: [UInt8]? = nil, timeout: Duration, operation: String
    ) async throws(VendorError) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Authorization": "Bearer \(token)", "Accept": "application/json", "User-Agent": VendorTransport.userAgent,
        ]
        // The conventions page requires the header on POSTs (406 without it), even with an empty body.
        if method == .post { headers["Content-Type"] = "application/json" }
        let request = HTTPClientRequest(method: method, url: url, headers: headers, body: body ?? [])
        let response = try await transport.execute(request, timeout: timeout, operation: operation)
        guard (200..<300).contains(response.status.code) else {
            throw TeslaClassifier.classify(response, now: now(), secrets: [token])
        }
        return response
    }
}
