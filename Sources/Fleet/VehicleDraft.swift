import Foundation
import Postgres

/// A vehicle to enroll by hand or by bulk import, validated field by field. Unset optional fields take the
/// schema's defaults (country `US`, 240 V, 1 phase, 5–32 A).
public struct VehicleDraft: Sendable, Equatable {
    public var vendor: String
    public var vendorVehicleID: String
    public var accountID: UUID?
    public var make: String?
    public var model: String?
    public var year: Int?
    public var country: String = "US"
    public var voltage: Int = 240
    public var phases: Int = 1
    public var minAmps: Int = 5
    public var maxAmps: Int = 32
    public var batteryKWh: Double?
    /// The operator gave voltage, phases or max amps: the registry's electrical facts are theirs (`operator`), not
    /// the schema's defaults (`assumed`), and the planner takes them as the vehicle's bound (migration 0008).
    public var electricalFactsGiven = false
    public var groups: [String] = []
    public var programs: [String] = []

    public init(vendor: String, vendorVehicleID: String) {
        self.vendor = vendor
        self.vendorVehicleID = vendorVehicleID
    }

    /// Every column an import may carry, in COPY order after `row_no`.
    public static let columns = [
        "vendor", "vendor_vehicle_id", "account_id", "make", "model", "year", "country", "voltage", "phases",
        "min_amps", "max_amps", "battery_kwh", "groups", "programs",
    ]
    /// The columns ``copyLine(row:)`` writes after `row_no`: ``columns`` and the facts' provenance.
    static let copyColumns = columns + ["electrical_source"]

    /// `operator` when the operator gave any electrical fact, else `assumed`.
    public var electricalSource: String { electricalFactsGiven ? "operator" : "assumed" }
    public static let requiredColumns: Set<String> = ["vendor", "vendor_vehicle_id"]

    /// The limits, also CHECK constraints in the schema.
    public static let voltageRange = 100...1000
    public static let ampsRange = 0...200
    public static let yearRange = 1990...2100
    public static let phaseValues: Set<Int> = [1, 2, 3]
    public static let maxGroupsPerVehicle = 50

    /// Builds a draft from text fields (a CSV row, or JSON values rendered as text). Empty text means "not given".
    /// `groups` and `programs` are separated by `;` or `|`. Returns the draft or every problem found.
    public static func parse(_ fields: [String: String]) -> Result<VehicleDraft, FieldIssues> {
        var issues: [FieldIssue] = []
        func text(_ name: String) -> String? {
            guard let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = text(name) else { return nil }
            guard let number = Int(value) else {
                issues.append(FieldIssue(name, "expected an integer"))
                return nil
            }
            guard range.contains(number) else {
                issues.append(FieldIssue(name, "must be in \(range.lowerBound)...\(range.upperBound)"))
                return nil
            }
            return number
        }
        let vendor = text("vendor") ?? ""
        if vendor.isEmpty {
            issues.append(FieldIssue("vendor", "is required"))
        } else if !FleetVendors.known.contains(vendor) {
            issues.append(FieldIssue("vendor", "must be one of: smartcar, tesla"))
        }
        let vehicleID = text("vendor_vehicle_id") ?? ""
        if vehicleID.isEmpty {
            issues.append(FieldIssue("vendor_vehicle_id", "is required"))
        } else if vehicleID.utf8.count > 100 {
            issues.append(FieldIssue("vendor_vehicle_id", "must be at most 100 bytes"))
        }
        var draft = VehicleDraft(vendor: vendor, vendorVehicleID: vehicleID)
        if let account = text("account_id") {
            if let id = UUID(uuidString: account) { draft.accountID = id } else { issues.append(FieldIssue("account_id", "expected a UUID")) }
        }
        for (name, path) in [("make", \VehicleDraft.make), ("model", \VehicleDraft.model)] {
            guard let value = text(name) else { continue }
            if value.utf8.count > 100 { issues.append(FieldIssue(name, "must be at most 100 bytes")) } else { draft[keyPath: path] = value }
        }
        draft.year = integer("year", yearRange)
        if let country = text("country") {
            if country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) {
                draft.country = country
            } else {
                issues.append(FieldIssue("country", "must be an ISO 3166-1 alpha-2 code in capitals, like US"))
            }
        }
        if let voltage = integer("voltage", voltageRange) { draft.voltage = voltage }
        if let phases = text("phases") {
            if let number = Int(phases), phaseValues.contains(number) { draft.phases = number } else { issues.append(FieldIssue("phases", "must be 1, 2 or 3")) }
        }
        let minAmps = integer("min_amps", ampsRange)
        let maxAmps = integer("max_amps", 1...ampsRange.upperBound)
        if let minAmps { draft.minAmps = minAmps }
        if let maxAmps { draft.maxAmps = maxAmps }
        draft.electricalFactsGiven = ["voltage", "phases", "max_amps"].contains { text($0) != nil }
        if draft.minAmps > draft.maxAmps && (fields["min_amps"] != nil || fields["max_amps"] != nil) {
            issues.append(FieldIssue("max_amps", "must not be below min_amps (\(draft.minAmps))"))
        }
        if let battery = text("battery_kwh") {
            if let number = Double(battery), number.isFinite {
                if number > 0 && number <= 500 { draft.batteryKWh = number } else { issues.append(FieldIssue("battery_kwh", "must be in (0, 500]")) }
            } else {
                issues.append(FieldIssue("battery_kwh", "expected a number"))
            }
        }
        for (name, path) in [("groups", \VehicleDraft.groups), ("programs", \VehicleDraft.programs)] {
            guard let value = text(name) else { continue }
            var seen = Set<String>()
            let items = value.split(whereSeparator: { $0 == ";" || $0 == "|" }).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && seen.insert($0).inserted }
            if items.count > maxGroupsPerVehicle {
                issues.append(FieldIssue(name, "at most \(maxGroupsPerVehicle) per vehicle"))
            } else if name == "groups", let bad = items.first(where: { !GroupName.isValid($0) }) {
                issues.append(FieldIssue(name, "invalid group name '\(bad.prefix(64))': 1-64 of A-Z a-z 0-9 . _ : -"))
            } else if name == "programs", items.contains(where: { $0.utf8.count > 128 }) {
                issues.append(FieldIssue(name, "program ids are at most 128 bytes"))
            } else {
                draft[keyPath: path] = items
            }
        }
        return issues.isEmpty ? .success(draft) : .failure(FieldIssues(issues))
    }

    /// This draft as one line of `COPY ... FROM STDIN` text format, `row_no` first.
    func copyLine(row: Int) -> String {
        func t(_ value: String?) -> String { value.map(PostgresCopy.escapeText) ?? "\\N" }
        func n(_ value: Int?) -> String { value.map(String.init) ?? "\\N" }
        // Group names and program ids cannot hold quotes or backslashes that matter inside a quoted array element
        // once escaped: array-escape first, then COPY-escape the whole literal.
        func array(_ items: [String]) -> String {
            PostgresCopy.escapeText(
                "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}")
        }
        let fields: [String] = [
            String(row), t(vendor), t(vendorVehicleID), t(accountID?.uuidString.lowercased()), t(make), t(model), n(year),
            t(country), String(voltage), String(phases), String(minAmps), String(maxAmps),
            batteryKWh.map { "\($0)" } ?? "\\N", array(groups), array(programs), electricalSource,
        ]
        return fields.joined(separator: "\t") + "\n"
    }
}
