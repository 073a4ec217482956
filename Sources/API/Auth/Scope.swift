/// An OAuth scope. OpenADR 3.0.1 defines the first six; Curtail's operator API adds `fleet_read` and `fleet_write`.
public struct Scope: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let readAll = Scope(rawValue: "read_all")
    public static let writePrograms = Scope(rawValue: "write_programs")
    public static let writeEvents = Scope(rawValue: "write_events")
    public static let writeReports = Scope(rawValue: "write_reports")
    public static let writeSubscriptions = Scope(rawValue: "write_subscriptions")
    public static let writeVENs = Scope(rawValue: "write_vens")
    public static let fleetRead = Scope(rawValue: "fleet_read")
    public static let fleetWrite = Scope(rawValue: "fleet_write")

    /// Every scope Curtail grants.
    public static let known: Set<Scope> = [.readAll, .writePrograms, .writeEvents, .writeReports, .writeSubscriptions, .writeVENs, .fleetRead, .fleetWrite]

    public var description: String { rawValue }

    /// Parses a space-separated scope list (form encoding's `+` already decoded to spaces).
    public static func parseList(_ text: String) -> [Scope] {
        text.split(whereSeparator: { $0 == " " || $0 == "," }).map { Scope(rawValue: String($0)) }
    }
}

/// Who is calling: the authenticated client and what it may do.
public struct Principal: Sendable {
    /// The `clients.id` row key; every tenant-owned row (programs, events, subscriptions) points at it.
    public let clientKey: String
    /// The public `client_id`.
    public let clientID: String
    public let scopes: Set<Scope>

    public init(clientKey: String, clientID: String, scopes: Set<Scope>) {
        self.clientKey = clientKey
        self.clientID = clientID
        self.scopes = scopes
    }

    /// Operators see the whole fleet and every tenant's objects.
    public var isOperator: Bool { scopes.contains(.fleetRead) || scopes.contains(.fleetWrite) }

    /// - Throws: 403 problem naming the missing scope.
    public func require(_ scope: Scope) throws(APIError) {
        guard scopes.contains(scope) else { throw APIError.forbidden("This operation needs the \(scope) scope.") }
    }
}
