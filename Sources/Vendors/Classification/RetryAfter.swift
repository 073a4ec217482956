import Foundation
import HTTP

/// Reads how long a vendor asked us to wait.
enum RetryAfter {
    /// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), else `RateLimit-Reset` seconds, else a
    /// Tesla text body `Retry in N seconds` (tesla-fleet.md §6). `nil` when none says.
    static func seconds(in response: HTTPResponse, now: Date) -> Double? {
        if let value = response.headers["Retry-After"]?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
            if let date = httpDate(value) { return max(0, date.timeIntervalSince(now)) }
        }
        if let value = response.headers["RateLimit-Reset"], let seconds = Double(value.trimmingCharacters(in: .whitespaces)),
            seconds >= 0, seconds.isFinite
        {
            return seconds
        }
        let text = response.bodyText
        if let range = text.range(of: "Retry in ") {
            let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            if let seconds = Double(digits), seconds >= 0 { return seconds }
        }
        return nil
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
