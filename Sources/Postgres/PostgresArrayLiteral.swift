/// Encodes and parses one-dimensional PostgreSQL array literals (`{"a","b c",NULL}`).
///
/// Every element is written double-quoted with `\` and `"` escaped, so no element text can break out of the
/// literal. Parsing accepts the server's output form: unquoted or quoted elements, `NULL`, no nesting.
enum PostgresArrayLiteral {
    static func encode(_ elements: [String]) -> String {
        var out = "{"
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(",") }
            out.append("\"")
            for ch in element {
                if ch == "\\" || ch == "\"" { out.append("\\") }
                out.append(ch)
            }
            out.append("\"")
        }
        out.append("}")
        return out
    }

    /// Returns nil for malformed input, a NULL element, or a multi-dimensional array.
    static func decode(_ text: String) -> [String]? {
        var chars = Substring(text)
        // An explicit lower bound ("[0:1]={...}") is not supported.
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars = chars.dropFirst().dropLast()
        if chars.isEmpty { return [] }
        var result: [String] = []
        var index = chars.startIndex
        while true {
            var element = ""
            if chars[index] == "\"" {
                index = chars.index(after: index)
                var closed = false
                while index < chars.endIndex {
                    let ch = chars[index]
                    if ch == "\\" {
                        index = chars.index(after: index)
                        guard index < chars.endIndex else { return nil }
                        element.append(chars[index])
                    } else if ch == "\"" {
                        closed = true
                        index = chars.index(after: index)
                        break
                    } else {
                        element.append(ch)
                    }
                    index = chars.index(after: index)
                }
                guard closed else { return nil }
            } else {
                while index < chars.endIndex, chars[index] != "," {
                    if chars[index] == "{" { return nil }
                    element.append(chars[index])
                    index = chars.index(after: index)
                }
                if element == "NULL" { return nil }
            }
            result.append(element)
            if index == chars.endIndex { break }
            guard chars[index] == "," else { return nil }
            index = chars.index(after: index)
            guard index < chars.endIndex else { return nil }
        }
        return result
    }
}

/// `bytea` in hex format: `\x` followed by two lowercase hex digits a byte.
enum PostgresByteA {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
