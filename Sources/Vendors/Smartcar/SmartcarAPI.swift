import Foundation
import HTTP
import Logging

/// Smartcar's v2.0 API (smartcar.md), as a ``VehicleAPI``. v2.0 is the only generation that sends commands.
///
/// ```swift
/// let smartcar = SmartcarAPI(
///     apiBase: "https://api.smartcar.com", authURL: "https://auth.smartcar.com/oauth/token",
///     clientID: clientID, clientSecret: clientSecret, client: client)
/// let outcome = try await smartcar.send(.stopCharging, to: vehicleID, accessToken: token)
/// ```
///
/// - Vehicle ids are Smartcar's UUIDs. Paths are `/v2.0/vehicles/...` under `apiBase` (given with or without
///   `/v2.0`).
/// - A 200 to a command means "sent to the vehicle", not "done" (§6): confirm with ``chargeState(of:accessToken:)``.
/// - Smartcar has no amps control in v2.0 core (`.setChargingAmps` is `.permanent` "not supported") and no wake
///   endpoint (it wakes cars itself: `.wake` answers `.alreadyInState` without a call).
/// - Every endpoint counts against Smartcar's per-vehicle and app limits, so each method's call count is documented.
/// - Answers are classified by ``SmartcarClassifier``. Tokens and the client secret never appear in a log line or a
///   ``VendorError``.
///
/// Thread-safe; holds no state besides its configuration.
public struct SmartcarAPI: VehicleAPI {
    public let vendor = VendorName.smartcar
    /// The origin, e.g. `https://api.smartcar.com` or the simulator's.
    public let apiBase: String
    /// The OAuth token endpoint, e.g. `https://auth.smartcar.com/oauth/token`.
    public let authURL: String
    public let clientID: String
    private let clientSecret: String
    public let timeouts: VendorTimeouts
    let transport: VendorTransport
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - timeouts: per-call deadlines. Defaults to ``VendorTimeouts/smartcar``.
    ///   - now: the clock that turns `expires_in` into ``VendorCredentials/expiresAt``.
    public init(
        apiBase: String, authURL: String, clientID: String, clientSecret: String, client: HTTPClient,
        timeouts: VendorTimeouts = .smartcar, logger: Logger = Logger(label: "curtail.vendors.smartcar"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var base = VendorText.trimmedBase(apiBase)
        if base.hasSuffix("/v2.0") { base.removeLast("/v2.0".count) }
        self.apiBase = base
        self.authURL = authURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.timeouts = timeouts
        self.transport = VendorTransport(client: client, vendor: .smartcar, logger: logger)
        self.now = now
    }

    private var v2: String { "\(apiBase)/v2.0" }

    // MARK: VehicleAPI

    /// `grant_type=refresh_token&refresh_token`, with the client id and secret as HTTP Basic auth (§2). Smartcar
    /// rotates both tokens: store both. One call.
    public func refresh(refreshToken: String) async throws(VendorError) -> VendorCredentials {
        let basic = Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        return try await OAuthRefresh.run(
            transport: transport, url: authURL, fields: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
            headers: ["Authorization": "Basic \(basic)"], refreshToken: refreshToken, timeout: timeouts.token,
            now: now())
    }

    /// `GET /vehicles` (50 a page), then `GET /vehicles/{id}` for each vehicle's make, model and year: 1 + pages +
    /// one call per vehicle.
    public func listVehicles(accessToken: String) async throws(VendorError) -> [VendorVehicle] {
        var ids: [String] = []
        for _ in 0..<100 {
            let page = try await get(
                "\(v2)/vehicles?limit=50&offset=\(ids.count)", SmartcarWire.VehicleList.self, token: accessToken,
                operation: "list_vehicles")
            let batch = page.vehicles ?? []
            ids += batch
            guard !batch.isEmpty, ids.count < page.paging?.count ?? 0 else { break }
        }
        var vehicles: [VendorVehicle] = []
        for id in ids {
            let segment = try VendorText.pathSegment(id)
            let attributes = try await get(
                "\(v2)/vehicles/\(segment)", SmartcarWire.Attributes.self, token: accessToken, operation: "attributes")
            vehicles.append(
                VendorVehicle(id: id, make: attributes.make ?? "UNKNOWN", model: attributes.model, year: attributes.year))
        }
        return vehicles
    }

    /// `GET /charge`, `/battery` and `/charge/limit`, concurrently: three calls. `/charge` must answer; a
    /// `.permanent` failure of the other two (an OEM that cannot report them, or needs the plug for the limit)
    /// leaves ``ChargeState/soc`` or ``ChargeState/chargeLimit`` `nil`. Smartcar reports no amps, power or voltage.
    public func chargeState(of vehicleID: String, accessToken: String) async throws(VendorError) -> ChargeState {
        let id = try VendorText.pathSegment(vehicleID)
        async let chargeResult = fetch(
            "\(v2)/vehicles/\(id)/charge", SmartcarWire.Charge.self, token: accessToken, operation: "charge")
        async let batteryResult = fetch(
            "\(v2)/vehicles/\(id)/battery", SmartcarWire.Battery.self, token: accessToken, operation: "battery")
        async let limitResult = fetch(
            "\(v2)/vehicles/\(id)/charge/limit", SmartcarWire.ChargeLimit.self, token: accessToken,
            operation: "charge_limit")
        let (charge, battery, limit) = await (chargeResult, batteryResult, limitResult)
        func optional<T>(_ result: Result<T, VendorError>) throws(VendorError) -> T? {
            switch result {
            case .success(let value): return value
            case .failure(let error) where error.kind == .permanent: return nil
            case .failure(let error): throw error
            }
        }
        let state = try charge.get()
        // Fractions to percent, to 0.01 %: 0.55 × 100 is 55.00000000000001 in binary floating point.
        func percent(_ fraction: Double) -> Double { (fraction * 10_000).rounded() / 100 }
        let soc = try optional(battery)?.percentRemaining.map(percent)
        let chargeLimit = try optional(limit)?.limit.map(percent)
        return ChargeState(
            pluggedIn: state.isPluggedIn, charging: state.state.map { $0 == "CHARGING" }, soc: soc,
            chargeLimit: chargeLimit)
    }

    /// Sends one command: one call, or none.
    ///
    /// - `.startCharging`, `.stopCharging`: `POST /charge {"action": "START"|"STOP"}`.
    /// - `.setChargeLimit(p)`: `POST /charge/limit {"limit": p/100}`; `p` outside 50...100 is refused here as
    ///   `.permanent`, as Smartcar would (§4).
    /// - `.setChargingAmps`: `.permanent` "not supported", no call.
    /// - `.wake`: `.alreadyInState("smartcar wakes vehicles itself")`, no call.
    public func send(
        _ command: VehicleCommand, to vehicleID: String, accessToken: String
    ) async throws(VendorError) -> CommandOutcome {
        let id = try VendorText.pathSegment(vehicleID)
        let path: String
        let body: String
        switch command {
        case .wake:
            return .alreadyInState(reason: "smartcar wakes vehicles itself")
        case .setChargingAmps:
            throw VendorError(.permanent, reason: "not supported: Smartcar v2.0 has no charging-amps command")
        case .startCharging:
            (path, body) = ("charge", #"{"action":"START"}"#)
        case .stopCharging:
            (path, body) = ("charge", #"{"action":"STOP"}"#)
        case .setChargeLimit(let percent):
            guard (50...100).contains(percent) else { throw VendorError.invalidInput("charge limit must be 50...100 %") }
            (path, body) = ("charge/limit", "{\"limit\":\(String(format: "%.2f", Double(percent) / 100))}")
        }
        let request = HTTPClientRequest(
            method: .post, url: "\(v2)/vehicles/\(id)/\(path)",
            headers: headers(token: accessToken, json: true), body: Array(body.utf8))
        let response = try await transport.execute(request, timeout: timeouts.command, operation: path)
        if (200..<300).contains(response.status.code) { return .done }
        if let already = SmartcarClassifier.alreadyInState(response, command: command) { return already }
        throw SmartcarClassifier.classify(response, now: now())
    }

    // MARK: Plumbing

    private func headers(token: String, json: Bool) -> HTTPHeaders {
        var headers: HTTPHeaders = [
            "Authorization": "Bearer \(token)", "Accept": "application/json", "User-Agent": VendorTransport.userAgent,
        ]
        if json { headers["Content-Type"] = "application/json" } else { headers["SC-Unit-System"] = "metric" }
        return headers
    }

    private func get<T: Decodable>(
        _ url: String, _ type: T.Type, token: String, operation: String
    ) async throws(VendorError) -> T {
        let request = HTTPClientRequest(method: .get, url: url, headers: headers(token: token, json: false))
        let response = try await transport.execute(request, timeout: timeouts.data, operation: operation)
        guard (200..<300).contains(response.status.code) else { throw SmartcarClassifier.classify(response, now: now()) }
        guard let value = VendorText.decode(type, from: response.body) else {
            throw VendorError.unexpectedBody(operation, status: response.status.code)
        }
        return value
    }

    private func fetch<T: Decodable & Sendable>(
        _ url: String, _ type: T.Type, token: String, operation: String
    ) async -> Result<T, VendorError> {
        do throws(VendorError) {
            return .success(try await get(url, type, token: token, operation: operation))
        } catch {
            return .failure(error)
        }
    }
}
