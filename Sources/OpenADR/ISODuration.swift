import Foundation

/// An ISO 8601 duration as the OpenADR 3.0.1 YAML defines it (`PT1H`, `P1D`, `PT15M30S`, `-PT8H`, `P2W`).
///
/// Grammar (the YAML's pattern): an optional leading `-`, `P`, then optional `nY`, `nM`, *either* `nW` or `nD`,
/// then optionally `T` followed by `nH`, `nM`, `n[.f]S`. Only seconds may be fractional. `P`, `PT` and a `T` with
/// nothing after it (`P1DT`) are rejected; so are lower-case designators, spaces, and any integer component longer
/// than 9 digits (no overflow is possible).
///
/// The components are kept exactly as written (`P0D` stays `P0D`, `PT90M` stays `PT90M`), so `description`
/// reproduces the input in canonical spelling, and equality is structural: `PT1H != PT60M`; compare
/// ``timeInterval`` to compare lengths.
///
/// Conversion to seconds:
/// - days are 86 400 s and weeks 7 days: OpenADR times are absolute instants, so there is no DST to honour;
/// - years and months have no fixed length, so ``timeInterval`` is `nil` for them, and ``added(to:)`` uses the
///   UTC Gregorian calendar;
/// - `P9999Y` is the OpenADR "infinity" convention ([3.1 UG]): ``isInfinite`` is `true`, ``timeInterval`` is
///   `.infinity`, and ``added(to:)`` returns `Date.distantFuture`.
public struct ISODuration: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// `true` for a leading `-`.
    public var isNegative: Bool
    public var years: Int?
    public var months: Int?
    public var weeks: Int?
    public var days: Int?
    public var hours: Int?
    public var minutes: Int?
    /// Seconds, possibly fractional.
    public var seconds: Double?

    /// `PT0S`, the spec's default duration.
    public static let zero = ISODuration(seconds: 0)
    /// `P9999Y`, the OpenADR convention for "until changed or deleted".
    public static let infinity = ISODuration(years: 9999)

    /// Builds a duration from components; unset components are omitted from ``description``.
    public init(
        isNegative: Bool = false, years: Int? = nil, months: Int? = nil, weeks: Int? = nil, days: Int? = nil,
        hours: Int? = nil, minutes: Int? = nil, seconds: Double? = nil
    ) {
        self.isNegative = isNegative
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// The canonical duration for a whole number of seconds, using only D, H, M and S (never Y or M), as Curtail
    /// emits durations: `3600` → `PT1H`, `90` → `PT1M30S`, `0` → `PT0S`, `-28800` → `-PT8H`.
    public init(totalSeconds: Int) {
        var rest = totalSeconds.magnitude
        let d = rest / 86_400
        rest %= 86_400
        let h = rest / 3600
        rest %= 3600
        let m = rest / 60
        let s = rest % 60
        self.init(
            isNegative: totalSeconds < 0, days: d > 0 ? Int(d) : nil, hours: h > 0 ? Int(h) : nil,
            minutes: m > 0 ? Int(m) : nil, seconds: s > 0 || totalSeconds == 0 ? Double(s) : nil)
    }

    /// Why a string is not a valid duration.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The rejected text, truncated to 64 characters.
        public var input: String
        /// What is wrong, for a person.
        public var reason: String
        public var description: String { "invalid ISO 8601 duration \"\(input)\": \(reason)" }
    }

    /// Parses an ISO 8601 duration.
    /// - Throws: ``ParseError`` naming the problem.
    public init(parsing text: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(input: String(text.prefix(64)), reason: reason) }
        let b = Array(text.utf8)
        guard b.count <= 64 else { throw fail("longer than 64 characters") }
        var i = 0
        var result = ISODuration()
        if i < b.count, b[i] == UInt8(ascii: "-") {
            result.isNegative = true
            i += 1
        }
        guard i < b.count, b[i] == UInt8(ascii: "P") else { throw fail("must start with P (or -P)") }
        i += 1
        var inTime = false
        var any = false
        var anyTime = false
        // Designators in the order they must appear; `rank` only ever increases.
        var rank = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "T") {
                guard !inTime else { throw fail("T appears twice") }
                inTime = true
                i += 1
                guard i < b.count else { throw fail("T must be followed by hours, minutes or seconds") }
                continue
            }
            var intPart = 0
            var digitCount = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                intPart = intPart * 10 + Int(b[i] - 48)
                digitCount += 1
                guard digitCount <= 9 else { throw fail("number too large") }
                i += 1
            }
            guard digitCount > 0 else { throw fail("expected a number at position \(i)") }
            var fraction: Double?
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var f = 0.0
                var scale = 0.1
                var fractionDigits = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    f += Double(b[i] - 48) * scale
                    scale /= 10
                    fractionDigits += 1
                    i += 1
                }
                guard fractionDigits > 0 else { throw fail("a decimal point must be followed by digits") }
                fraction = f
            }
            guard i < b.count else { throw fail("number without a designator") }
            let designator = b[i]
            i += 1
            let newRank: Int
            switch (inTime, designator) {
            case (false, UInt8(ascii: "Y")): newRank = 1
            case (false, UInt8(ascii: "M")): newRank = 2
            case (false, UInt8(ascii: "W")), (false, UInt8(ascii: "D")): newRank = 3
            case (true, UInt8(ascii: "H")): newRank = 4
            case (true, UInt8(ascii: "M")): newRank = 5
            case (true, UInt8(ascii: "S")): newRank = 6
            default:
                throw fail("unexpected designator '\(Character(Unicode.Scalar(designator)))'")
            }
            guard newRank > rank else { throw fail("designators out of order or repeated (W and D are exclusive)") }
            rank = newRank
            if fraction != nil, newRank != 6 { throw fail("only seconds may be fractional") }
            switch designator {
            case UInt8(ascii: "Y"): result.years = intPart
            case UInt8(ascii: "W"): result.weeks = intPart
            case UInt8(ascii: "D"): result.days = intPart
            case UInt8(ascii: "H"): result.hours = intPart
            case UInt8(ascii: "M"): if inTime { result.minutes = intPart } else { result.months = intPart }
            default: result.seconds = Double(intPart) + (fraction ?? 0)
            }
            any = true
            if inTime { anyTime = true }
        }
        guard any else { throw fail("no components") }
        if inTime, !anyTime { throw fail("T must be followed by hours, minutes or seconds") }
        self = result
    }

    /// Parses; `nil` when `description` is not a valid duration.
    public init?(_ description: String) {
        guard let value = try? ISODuration(parsing: description) else { return nil }
        self = value
    }

    /// The canonical text: the components that are set, in order; `PT0S` when none is.
    public var description: String {
        var out = isNegative ? "-P" : "P"
        if let years { out += "\(years)Y" }
        if let months { out += "\(months)M" }
        if let weeks { out += "\(weeks)W" }
        if let days { out += "\(days)D" }
        if hours != nil || minutes != nil || seconds != nil {
            out += "T"
            if let hours { out += "\(hours)H" }
            if let minutes { out += "\(minutes)M" }
            if let seconds {
                out += seconds == seconds.rounded() && seconds < 1e15 ? "\(Int(seconds))S" : "\(seconds)S"
            }
        }
        return out == "P" || out == "-P" ? "PT0S" : out
    }

    /// `true` for `P9999Y` exactly (no other non-zero component, not negative).
    public var isInfinite: Bool {
        !isNegative && years == 9999 && (months ?? 0) == 0 && (weeks ?? 0) == 0 && (days ?? 0) == 0
            && (hours ?? 0) == 0 && (minutes ?? 0) == 0 && (seconds ?? 0) == 0
    }

    /// `true` when a non-zero year or month makes the length depend on the calendar (and it is not infinity).
    public var isCalendarDependent: Bool {
        !isInfinite && ((years ?? 0) != 0 || (months ?? 0) != 0)
    }

    /// `true` when every component is zero (`PT0S`, `P0D`, `-PT0S`).
    public var isZero: Bool {
        (years ?? 0) == 0 && (months ?? 0) == 0 && (weeks ?? 0) == 0 && (days ?? 0) == 0 && (hours ?? 0) == 0
            && (minutes ?? 0) == 0 && (seconds ?? 0) == 0
    }

    /// The length in seconds (negative for a leading `-`); `.infinity` for `P9999Y`; `nil` when
    /// ``isCalendarDependent``.
    public var timeInterval: TimeInterval? {
        if isInfinite { return .infinity }
        if isCalendarDependent { return nil }
        let whole = ((weeks ?? 0) * 7 + (days ?? 0)) * 86_400 + (hours ?? 0) * 3600 + (minutes ?? 0) * 60
        let total = TimeInterval(whole) + (seconds ?? 0)
        return isNegative ? -total : total
    }

    /// `date` moved by this duration: `Date.distantFuture` for `P9999Y`; years and months through the UTC
    /// Gregorian calendar (`2030-01-31` + `P1M` = `2030-02-28`), the rest as fixed seconds.
    public func added(to date: Date) -> Date {
        if isInfinite { return .distantFuture }
        if let interval = timeInterval { return date.addingTimeInterval(interval) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let sign = isNegative ? -1 : 1
        var components = DateComponents()
        components.year = sign * (years ?? 0)
        components.month = sign * (months ?? 0)
        let base = calendar.date(byAdding: components, to: date) ?? .distantFuture
        var rest = self
        rest.years = nil
        rest.months = nil
        return base.addingTimeInterval(rest.timeInterval ?? 0)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try ISODuration(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
