import HTTP

enum JSONCodingBridge {
    static func parse(_ text: String) -> Double? { JSONCoding.parseISO8601(text)?.timeIntervalSince1970 }
}
