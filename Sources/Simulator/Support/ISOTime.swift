#if canImport(Glibc)
    import Glibc
#endif

/// RFC 3339 UTC timestamps without Foundation formatters (which are slow to create per request).
enum ISOTime {
    /// `2026-01-01T00:00:00.000Z`.
    static func format(_ seconds: Double) -> String {
        var t = time_t(seconds.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        let millis = Int(((seconds - seconds.rounded(.down)) * 1000).rounded(.down))
        func p(_ n: Int32, _ w: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(tm.tm_year + 1900, 4))-\(p(tm.tm_mon + 1))-\(p(tm.tm_mday))T\(p(tm.tm_hour)):\(p(tm.tm_min)):"
            + "\(p(tm.tm_sec)).\(p(Int32(millis), 3))Z"
    }

    /// Parses RFC 3339 (via Foundation) or epoch seconds.
    static func parse(_ text: String) -> Double? {
        if let seconds = Double(text) { return seconds }
        return JSONCodingBridge.parse(text)
    }
}
