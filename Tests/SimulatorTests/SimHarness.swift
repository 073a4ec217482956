import Foundation
import HTTP
import Logging

@testable import Simulator

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A reply read over a real socket.
struct Reply {
    let status: Int
    let headers: [String: String]
    let body: Data

    var json: JSONValue { JSONValue.parse(Array(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// An HTTP client over loopback (URLSession, which runs on its own threads, never on the cooperative pool).
final class SimClient: Sendable {
    let base: String
    let session: URLSession

    init(port: Int) {
        base = "http://127.0.0.1:\(port)"
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, form: String? = nil,
        headers: [String: String] = [:], timeout: TimeInterval = 10
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let form {
            request.httpBody = Data(form.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var lowered: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let k = key as? String, let v = value as? String { lowered[k.lowercased()] = v }
        }
        return Reply(status: http.statusCode, headers: lowered, body: data)
    }

    func get(_ path: String, token: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, token: token, headers: headers)
    }

    func post(_ path: String, token: String? = nil, json: String = "{}") async throws -> Reply {
        try await send("POST", path, token: token, json: json)
    }

    func patch(_ path: String, json: String) async throws -> Reply { try await send("PATCH", path, json: json) }
}

/// A running simulator on a free loopback port, with a manual clock; always shut down.
struct SimFixture {
    let client: SimClient
    let simulator: Simulator
    let clock: ManualClock

    var store: FleetStore { simulator.store }

    /// The first vehicle matching `predicate`.
    func vehicle(_ predicate: (Vehicle) -> Bool) -> Vehicle {
        store.allVehicles(sleepAfter: nil).first(where: predicate)!
    }

    func token(for vehicle: Vehicle) -> String { store.withAccount(vehicle.accountIndex) { $0.accessToken } }
    func account(of vehicle: Vehicle) -> Account { store.withAccount(vehicle.accountIndex) { $0 } }
    func current(_ vehicle: Vehicle) -> Vehicle { store.withVehicle(vehicle.index, sleepAfter: nil) { v, _ in v } }

    /// Sets driver-side state through the control API.
    @discardableResult
    func prepare(_ vehicle: Vehicle, _ json: String) async throws -> Reply {
        try await client.patch("/_sim/vehicles/\(vehicle.vendorID)", json: json)
    }

    static func run(
        vehicles: Int = 40, seed: UInt64 = 5, limits: RateLimits = .documented, faults: FaultConfig? = nil,
        _ body: (SimFixture) async throws -> Void
    ) async throws {
        var startFaults = FaultConfig()
        startFaults.fallAsleepAfter = nil
        let clock = ManualClock()
        let simulator = Simulator(
            configuration: SimulatorConfiguration(
                vehicles: vehicles, seed: seed, limits: limits, faults: faults ?? startFaults, clock: clock))
        var router = Router()
        simulator.register(on: &router)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: router.buildResponder(),
            logger: Logger(label: "sim-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let address = try server.start()
        let fixture = SimFixture(client: SimClient(port: Int(address.port)), simulator: simulator, clock: clock)
        do {
            try await body(fixture)
        } catch {
            fixture.client.session.invalidateAndCancel()
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        fixture.client.session.invalidateAndCancel()
        await server.shutdown(gracePeriod: .seconds(1))
    }
}
