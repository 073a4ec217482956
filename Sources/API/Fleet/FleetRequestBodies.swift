import Fleet
import Foundation
import HTTP

/// Reads a JSON object body for the fleet endpoints: 415 unless JSON, 400 unless an object, 400 naming any field
/// not in `allowed` and any explicit `null` in `nonNull`.
func jsonObject(_ request: HTTPRequest, allowed: Set<String>, nonNull: Set<String> = []) throws(APIError) -> [String: Any] {
    try request.requireJSONContentType()
    let object: Any
    do {
        object = try JSONSerialization.jsonObject(with: request.bodyData, options: [])
    } catch {
        throw APIError.badRequest("The body is not valid JSON.")
    }
    guard let dictionary = object as? [String: Any] else { throw APIError.invalidField("/", "expected a JSON object") }
    if let unknown = dictionary.keys.sorted().first(where: { !allowed.contains($0) }) {
        throw APIError.invalidField("/\(unknown)", "unknown field; allowed: \(allowed.sorted().joined(separator: ", "))")
    }
    if let null = dictionary.keys.sorted().first(where: { nonNull.contains($0) && dictionary[$0] is NSNull }) {
        throw APIError.invalidField("/\(null)", "must not be null")
    }
    return dictionary
}

/// Collects 422 field problems and throws them together.
struct Issues {
    private(set) var list: [FieldIssue] = []
    mutating func add(_ pointer: String, _ detail: String) { list.append(FieldIssue(pointer, detail)) }
    func check() throws(FleetError) {
        if !list.isEmpty { throw FleetError.invalid(list) }
    }
}

struct CreateVendorAccountBody: Decodable {
    static let fields: Set<String> = ["vendor", "access_token", "refresh_token", "expires_at", "groups", "external_id"]
    let vendor: String
    let access_token: String
    let refresh_token: String
    let expires_at: Date
    let groups: [String]?
    let external_id: String?

    func validate() throws(FleetError) {
        var issues = Issues()
        if !FleetVendors.known.contains(vendor) { issues.add("/vendor", "must be one of: smartcar, tesla") }
        // Tokens travel in an Authorization header or a form body: visible ASCII only (RFC 6750 b64token is a
        // subset), or every vendor call with them would fail before it is sent.
        for (name, token) in [("access_token", access_token), ("refresh_token", refresh_token)]
        where !(1...4096).contains(token.utf8.count) || !token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            issues.add("/\(name)", "must be 1 to 4096 visible ASCII characters")
        }
        validateGroups(groups ?? [], pointer: "/groups", into: &issues)
        if let external_id, !(1...200).contains(external_id.utf8.count) { issues.add("/external_id", "must be 1 to 200 bytes") }
        try issues.check()
    }
}

func validateGroups(_ groups: [String], pointer: String, into issues: inout Issues) {
    if groups.count > VehicleDraft.maxGroupsPerVehicle { issues.add(pointer, "at most \(VehicleDraft.maxGroupsPerVehicle) groups") }
    for (index, name) in groups.enumerated() where !GroupName.isValid(name) {
        issues.add("\(pointer)/\(index)", "a group name is 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit")
    }
    if Set(groups).count != groups.count { issues.add(pointer, "must not repeat a group") }
}

struct PatchVehicleBody: Decodable {
    static let fields: Set<String> = [
        "make", "model", "year", "country", "voltage", "phases", "min_amps", "max_amps", "battery_kwh", "groups", "programs",
    ]
    let make: String?
    let model: String?
    let year: Int?
    let country: String?
    let voltage: Int?
    let phases: Int?
    let min_amps: Int?
    let max_amps: Int?
    let battery_kwh: Double?
    let groups: [String]?
    let programs: [String]?

    func patch() throws(FleetError) -> VehicleStore.Patch {
        var issues = Issues()
        if let make, make.utf8.count > 100 { issues.add("/make", "must be at most 100 bytes") }
        if let model, model.utf8.count > 100 { issues.add("/model", "must be at most 100 bytes") }
        if let year, !VehicleDraft.yearRange.contains(year) { issues.add("/year", "must be in 1990...2100") }
        if let country, !(country.utf8.count == 2 && country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 })) {
            issues.add("/country", "must be an ISO 3166-1 alpha-2 code in capitals, like US")
        }
        if let voltage, !VehicleDraft.voltageRange.contains(voltage) { issues.add("/voltage", "must be in 100...1000") }
        if let phases, !VehicleDraft.phaseValues.contains(phases) { issues.add("/phases", "must be 1, 2 or 3") }
        if let min_amps, !VehicleDraft.ampsRange.contains(min_amps) { issues.add("/min_amps", "must be in 0...200") }
        if let max_amps, !(1...200).contains(max_amps) { issues.add("/max_amps", "must be in 1...200") }
        if let min_amps, let max_amps, min_amps > max_amps { issues.add("/max_amps", "must not be below min_amps") }
        if let battery_kwh, !(battery_kwh > 0 && battery_kwh <= 500) { issues.add("/battery_kwh", "must be in (0, 500]") }
        if let groups { validateGroups(groups, pointer: "/groups", into: &issues) }
        if let programs {
            if programs.count > VehicleDraft.maxGroupsPerVehicle { issues.add("/programs", "at most 50 programs") }
            for (index, id) in programs.enumerated() where !(1...128).contains(id.utf8.count) {
                issues.add("/programs/\(index)", "a program id is 1 to 128 bytes")
            }
        }
        try issues.check()
        var patch = VehicleStore.Patch()
        patch.make = make
        patch.model = model
        patch.year = year
        patch.country = country
        patch.voltage = voltage
        patch.phases = phases
        patch.minAmps = min_amps
        patch.maxAmps = max_amps
        patch.batteryKWh = battery_kwh
        patch.groups = groups.map { Array(Set($0)).sorted() }
        patch.programs = programs.map { Array(Set($0)).sorted() }
        return patch
    }
}

struct PreferencesBody: Decodable {
    static let fields: Set<String> = ["min_soc", "departure_time", "departure_days"]
    let min_soc: Int?
    let departure_time: String?
    let departure_days: [Int]?

    func preferences() throws(FleetError) -> DriverPreferences {
        var issues = Issues()
        if let min_soc, !(0...100).contains(min_soc) { issues.add("/min_soc", "must be in 0...100 (percent)") }
        if let departure_time, !Self.isClockTime(departure_time) { issues.add("/departure_time", "must be HH:MM, 00:00 to 23:59") }
        let days = departure_days ?? []
        for (index, day) in days.enumerated() where !(1...7).contains(day) {
            issues.add("/departure_days/\(index)", "must be an ISO weekday, 1 (Monday) to 7 (Sunday)")
        }
        if Set(days).count != days.count { issues.add("/departure_days", "must not repeat a day") }
        if !days.isEmpty && departure_time == nil { issues.add("/departure_time", "is required when departure_days is set") }
        try issues.check()
        return DriverPreferences(minSoc: min_soc, departureTime: departure_time, departureDays: days.sorted())
    }

    static func isClockTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return false }
        return (0...23).contains(hour) && (0...59).contains(minute)
    }
}

struct OptOutBody: Decodable {
    static let fields: Set<String> = ["event_id", "until"]
    let event_id: String?
    let until: Date?

    func validate(now: Date = Date()) throws(FleetError) {
        var issues = Issues()
        if let event_id, !(1...128).contains(event_id.utf8.count) { issues.add("/event_id", "must be 1 to 128 bytes") }
        if let until {
            if until <= now { issues.add("/until", "must be in the future") }
            if until > now.addingTimeInterval(366 * 86_400) { issues.add("/until", "must be within a year") }
        }
        try issues.check()
    }
}

struct OptOutLinkBody: Decodable {
    static let fields: Set<String> = ["expires_at"]
    let expires_at: Date?
}
