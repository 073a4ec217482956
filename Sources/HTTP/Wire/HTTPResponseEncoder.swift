import Foundation
import Synchronization

/// Serialises responses (RFC 9112 §4, §6): status line, headers with framing added, then the body.
enum HTTPResponseEncoder {
    /// - Parameters:
    ///   - includeBody: `false` for `HEAD` (the `Content-Length` still describes the GET body, RFC 9110 §9.3.2).
    ///   - keepAlive: `false` adds `Connection: close`.
    static func encode(_ response: HTTPResponse, includeBody: Bool, keepAlive: Bool, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 160 + response.body.count)
        out.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n".utf8)
        for (name, value) in response.headers where !name.caseInsensitiveEquals("Content-Length") && !name.caseInsensitiveEquals("Connection") {
            appendField(name, value, to: &out)
        }
        let bodyless = response.status.code < 200 || response.status.code == 204 || response.status.code == 304
        if !bodyless { appendField("Content-Length", String(response.body.count), to: &out) }
        if !response.headers.contains("Date") { appendField("Date", HTTPDate.now(), to: &out) }
        if !keepAlive { out.append(contentsOf: "Connection: close\r\n".utf8) }
        out.append(contentsOf: "\r\n".utf8)
        if includeBody && !bodyless { out.append(contentsOf: response.body) }
    }

    private static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        // Never let a header value end the head early: drop CR and LF (response splitting).
        out.append(contentsOf: value.utf8.lazy.filter { $0 != 13 && $0 != 10 })
        out.append(contentsOf: "\r\n".utf8)
    }
}

/// The IMF-fixdate for `Date` headers (RFC 9110 §5.6.7), formatted at most once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return cache.withLock { cached in
            if cached.second == second { return cached.text }
            let text = format(Date(timeIntervalSince1970: TimeInterval(second)))
            cached = (second, text)
            return text
        }
    }

    static func format(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
