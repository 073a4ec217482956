import Foundation

/// Reads a bulk-import payload (CSV with a header row, or a JSON array of objects) into per-row text fields for
/// ``VehicleDraft/parse(_:)``. Rows that are structurally wrong (a CSV row with the wrong number of cells; a JSON
/// element that is not an object, has an unknown field, or a value of the wrong type) come back as issues, so the
/// rejection report covers them too. Column and field names are those of ``VehicleDraft/columns``.
public enum VehicleImportPayload {
    /// The most rows one import may hold. 200,000.
    public static let maxRows = 200_000

    public typealias Row = Result<[String: String], FieldIssues>

    /// - Throws: ``FleetError/malformedImport(_:)`` for an empty payload, a missing or unknown header column, a
    ///   missing required column, an unterminated quote, or more than ``maxRows`` rows.
    public static func parseCSV(_ bytes: [UInt8]) throws(FleetError) -> [Row] {
        var records = try CSVReader.records(bytes)
        guard !records.isEmpty else { throw .malformedImport("The CSV is empty: the first line must name the columns.") }
        let header = records.removeFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = Set(VehicleDraft.columns)
        if let unknown = header.first(where: { !known.contains($0) }) {
            throw .malformedImport("Unknown column '\(unknown.prefix(64))'; known columns: \(VehicleDraft.columns.joined(separator: ", ")).")
        }
        if Set(header).count != header.count { throw .malformedImport("A column is named twice in the header.") }
        if let missing = VehicleDraft.requiredColumns.sorted().first(where: { !header.contains($0) }) {
            throw .malformedImport("The header must include the \(missing) column.")
        }
        guard records.count <= maxRows else { throw .malformedImport("At most \(maxRows) rows per import.") }
        return records.map { cells in
            guard cells.count == header.count else {
                return .failure(FieldIssues([FieldIssue("row", "has \(cells.count) cells; the header has \(header.count)")]))
            }
            var fields: [String: String] = [:]
            fields.reserveCapacity(header.count)
            for (name, value) in zip(header, cells) { fields[name] = value }
            return .success(fields)
        }
    }

    private enum Kind { case string, integer, number, list }
    private static let kinds: [String: Kind] = [
        "vendor": .string, "vendor_vehicle_id": .string, "account_id": .string, "make": .string, "model": .string,
        "country": .string, "year": .integer, "voltage": .integer, "phases": .integer, "min_amps": .integer,
        "max_amps": .integer, "battery_kwh": .number, "groups": .list, "programs": .list,
    ]

    /// - Throws: ``FleetError/malformedImport(_:)`` unless the body is a JSON array (of at most ``maxRows`` items).
    public static func parseJSON(_ data: Data) throws(FleetError) -> [Row] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .malformedImport("The body is not valid JSON.")
        }
        guard let items = object as? [Any] else { throw .malformedImport("The body must be a JSON array of vehicles.") }
        guard items.count <= maxRows else { throw .malformedImport("At most \(maxRows) rows per import.") }
        return items.map { item in
            guard let dictionary = item as? [String: Any] else { return .failure(FieldIssues([FieldIssue("/", "expected an object")])) }
            var fields: [String: String] = [:]
            var issues: [FieldIssue] = []
            for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) {
                guard let kind = kinds[key] else {
                    issues.append(FieldIssue(key, "unknown field"))
                    continue
                }
                if value is NSNull { continue }
                switch kind {
                case .string:
                    if let text = value as? String { fields[key] = text } else { issues.append(FieldIssue(key, "expected a string")) }
                case .integer:
                    if let number = value as? NSNumber, !isBoolean(number), let integer = Int(exactly: number.doubleValue) {
                        fields[key] = String(integer)
                    } else {
                        issues.append(FieldIssue(key, "expected an integer"))
                    }
                case .number:
                    if let number = value as? NSNumber, !isBoolean(number) { fields[key] = "\(number.doubleValue)" } else { issues.append(FieldIssue(key, "expected a number")) }
                case .list:
                    if let list = value as? [Any], list.allSatisfy({ $0 is String }), let strings = list as? [String] {
                        if let bad = strings.first(where: { $0.contains(";") || $0.contains("|") || $0.isEmpty }) {
                            issues.append(FieldIssue(key, "invalid entry '\(bad.prefix(64))'"))
                        } else {
                            fields[key] = strings.joined(separator: ";")
                        }
                    } else {
                        issues.append(FieldIssue(key, "expected an array of strings"))
                    }
                }
            }
            return issues.isEmpty ? .success(fields) : .failure(FieldIssues(issues))
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization yields `true`/`false` as NSNumbers whose Objective-C type is `c` (char); JSON numbers
        // come back as `q` (Int) or `d` (Double).
        String(cString: number.objCType) == "c"
    }
}

/// RFC 4180 CSV over bytes: comma-separated, `"` quoting with `""` for a quote, CRLF or LF line ends, a UTF-8 BOM
/// ignored. Blank lines are skipped.
enum CSVReader {
    static func records(_ bytes: [UInt8]) throws(FleetError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = 0
        let n = bytes.count
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var quoted = false
        var fieldStarted = false
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            if !(record.isEmpty && field.isEmpty && !fieldStarted) {
                endField()
                records.append(record)
            }
            record = []
            record.reserveCapacity(16)
        }
        while i < n {
            let byte = bytes[i]
            if quoted {
                if byte == quote {
                    if i + 1 < n && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 2
                        continue
                    }
                    quoted = false
                } else {
                    field.append(byte)
                }
                i += 1
                continue
            }
            switch byte {
            case quote where field.isEmpty:
                quoted = true
                fieldStarted = true
            case comma:
                fieldStarted = true
                endField()
                fieldStarted = true
            case cr where i + 1 < n && bytes[i + 1] == lf:
                break
            case lf, cr:
                endRecord()
            default:
                field.append(byte)
            }
            i += 1
        }
        if quoted { throw .malformedImport("A quoted CSV field is not closed.") }
        endRecord()
        return records
    }
}
