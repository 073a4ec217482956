import Foundation

/// `Date` is bound as `timestamptz` in ISO 8601 with microseconds and an explicit UTC offset
/// (`2024-05-01T12:00:00.123456+00:00`), PostgreSQL's own precision. Decoding accepts the server's ISO output in
/// any session time zone (`2024-05-01 14:00:00.123456+02`), and a value without an offset (`timestamp`) as UTC.
/// `infinity` and `-infinity` do not decode.
extension Date: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 1184 }  // timestamptz

    public var postgresText: String? {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = Int(micros / 1_000_000)
        var fraction = Int(micros) - seconds * 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        let (year, month, day) = Self.civilDate(daysSinceEpoch: seconds.floorDiv(86_400))
        let secondOfDay = seconds - seconds.floorDiv(86_400) * 86_400
        let time = (secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
        func pad(_ value: Int, _ width: Int) -> String {
            let s = String(value)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let yearText = year > 0 ? pad(year, 4) : pad(1 - year, 4)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))T\(pad(time.0, 2)):\(pad(time.1, 2)):\(pad(time.2, 2))"
            + ".\(pad(fraction, 6))+00:00" + (year > 0 ? "" : " BC")
    }

    public init?(postgresText text: String) {
        // YYYY-MM-DD[ T]HH:MM:SS[.ffffff][(+|-)HH[:MM[:SS]]]
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let c = bytes[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
                i += 1
            }
            return value
        }
        func expect(_ chars: String) -> Bool {
            guard i < bytes.count, chars.utf8.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        var yearDigits = 0
        while i + yearDigits < bytes.count, bytes[i + yearDigits] >= 48, bytes[i + yearDigits] <= 57 { yearDigits += 1 }
        guard yearDigits >= 4, let year = number(yearDigits), expect("-"), let month = number(2), expect("-"),
            let day = number(2), expect(" T"), let hour = number(2), expect(":"), let minute = number(2),
            expect(":"), let second = number(2)
        else { return nil }
        var micros = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(bytes[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 6 { for _ in digits..<6 { micros *= 10 } }
        }
        var offset = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = number(2) else { return nil }
            var om = 0
            var os = 0
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                guard let m = number(2) else { return nil }
                om = m
                if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                    i += 1
                    guard let s = number(2) else { return nil }
                    os = s
                }
            }
            offset = sign * (oh * 3600 + om * 60 + os)
        }
        var astronomicalYear = year
        if i < bytes.count {
            guard String(decoding: bytes[i...], as: UTF8.self) == " BC" else { return nil }
            astronomicalYear = 1 - year
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let days = Self.daysSinceEpoch(year: astronomicalYear, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        self.init(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian, no time zone database.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int {
    fileprivate func floorDiv(_ divisor: Int) -> Int {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
