import Foundation

/// Collects validation issues in document order; the shared checks every shape uses live here, once.
struct IssueCollector {
    var issues: [OpenADRValidationError.Issue] = []
    let limits: OpenADRLimits

    init(limits: OpenADRLimits) {
        self.limits = limits
    }

    mutating func add(_ pointer: String, _ message: String) {
        issues.append(.init(pointer: pointer, message: message))
    }

    /// Throws when anything was collected.
    func finish() throws(OpenADRValidationError) {
        if !issues.isEmpty { throw OpenADRValidationError(issues: issues) }
    }

    /// Client strings quoted in messages are truncated so an error never echoes a huge body.
    static func quote(_ s: String) -> String {
        s.count > 40 ? "\"\(s.prefix(40))…\"" : "\"\(s)\""
    }

    /// `objectID`: 1–128 characters of `[A-Za-z0-9_-]`.
    mutating func objectID(_ value: String, at pointer: String) {
        guard (1...128).contains(value.count) else {
            add(pointer, "must be an object id of 1 to 128 characters")
            return
        }
        let allowed = value.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45
        }
        if !allowed { add(pointer, "must contain only letters, digits, '_' and '-'") }
    }

    /// A string of 1–128 characters (names, payload and target types).
    mutating func name(_ value: String, at pointer: String) {
        if !(1...128).contains(value.count) { add(pointer, "must be 1 to 128 characters") }
    }

    /// An optional string of at most `max` characters.
    mutating func optionalText(_ value: String?, max: Int = 128, at pointer: String) {
        if let value, value.count > max { add(pointer, "must be at most \(max) characters") }
    }

    /// A list no longer than `limit`; returns whether it was within bounds (callers skip walking it if not).
    @discardableResult
    mutating func bounded(_ count: Int, _ limit: Int, _ what: String, at pointer: String) -> Bool {
        guard count <= limit else {
            add(pointer, "has \(count) \(what); at most \(limit) are allowed")
            return false
        }
        return true
    }

    /// `targets`: each a valuesMap with a 1–128 character type and at least one value; the 3.0.1 target types
    /// hold non-empty strings of at most 128 characters; private types may hold any values. At most
    /// `limits.maxTargets` entries and `limits.maxTargetValues` values in total.
    mutating func targets(_ targets: [ValuesMap]?, at pointer: String) {
        guard let targets else { return }
        guard bounded(targets.count, limits.maxTargets, "targets", at: pointer) else { return }
        let total = targets.reduce(0) { $0 + $1.values.count }
        guard bounded(total, limits.maxTargetValues, "target values in total", at: pointer) else { return }
        for (k, target) in targets.enumerated() {
            let here = "\(pointer)/\(k)"
            name(target.type, at: "\(here)/type")
            if target.values.isEmpty { add("\(here)/values", "must hold at least one value") }
            guard TargetType.defined.contains(target.targetType) else { continue }
            for (m, value) in target.values.enumerated() {
                guard let s = value.stringValue else {
                    add("\(here)/values/\(m)", "a \(target.type) target value must be a string")
                    continue
                }
                name(s, at: "\(here)/values/\(m)")
            }
        }
    }

    /// Attributes (ven, resource): type 1–128 characters, bounded like payload values.
    mutating func attributes(_ attributes: [ValuesMap]?, at pointer: String) {
        guard let attributes else { return }
        guard bounded(attributes.count, limits.maxDescriptors, "attributes", at: pointer) else { return }
        for (k, attribute) in attributes.enumerated() {
            name(attribute.type, at: "\(pointer)/\(k)/type")
            bounded(attribute.values.count, limits.maxValuesPerPayload, "values", at: "\(pointer)/\(k)/values")
        }
    }

    /// A duration that must be a fixed length (no years or months, except the `P9999Y` infinity) and not negative.
    mutating func fixedNonNegativeDuration(_ duration: ISODuration?, at pointer: String) {
        guard let duration else { return }
        if duration.isCalendarDependent {
            add(pointer, "must not use years or months (use days); only P9999Y is accepted, meaning infinity")
        } else if duration.isNegative && !duration.isZero {
            add(pointer, "must not be negative")
        }
    }

    /// An absolute http or https URL with a host.
    mutating func httpURL(_ value: String, at pointer: String) {
        guard value.count <= 2048, let url = URL(string: value), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            add(pointer, "must be an absolute http or https URL of at most 2048 characters")
            return
        }
    }

    /// Report descriptors of an event.
    mutating func reportDescriptors(_ descriptors: [ReportDescriptor]?, at pointer: String) {
        guard let descriptors else { return }
        guard bounded(descriptors.count, limits.maxDescriptors, "report descriptors", at: pointer) else { return }
        for (k, d) in descriptors.enumerated() {
            let here = "\(pointer)/\(k)"
            name(d.payloadType.rawValue, at: "\(here)/payloadType")
            optionalText(d.readingType, at: "\(here)/readingType")
            optionalText(d.units?.rawValue, at: "\(here)/units")
            targets(d.targets, at: "\(here)/targets")
            if let v = d.startInterval, v < -1 { add("\(here)/startInterval", "must be -1 or an interval index") }
            if let v = d.numIntervals, v < -1 { add("\(here)/numIntervals", "must be -1 (all) or a count") }
            if let v = d.frequency, v < -1 { add("\(here)/frequency", "must be -1 or a count of intervals") }
            if let v = d.repeat, v < -1 { add("\(here)/repeat", "must be -1 (indefinitely) or a count") }
        }
    }

    /// Payloads that are not interpreted: type 1–128 characters, bounded value count.
    mutating func opaquePayload(_ payload: ValuesMap, at pointer: String) {
        name(payload.type, at: "\(pointer)/type")
        bounded(payload.values.count, limits.maxValuesPerPayload, "values", at: "\(pointer)/values")
    }
}
