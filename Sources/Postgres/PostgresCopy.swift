/// Helpers for `COPY ... FROM STDIN` payloads in PostgreSQL's text format: one row per line, columns separated by
/// tabs, `\N` for NULL.
public enum PostgresCopy {
    /// Escapes one column value for the text format: backslash, tab, newline and carriage return are written as
    /// `\\`, `\t`, `\n`, `\r`, so no value can end a column or a row early. NUL cannot be stored in `text` and is dropped.
    public static func escapeText(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            return value
        }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text format's NULL marker.
    public static let null = "\\N"
}
