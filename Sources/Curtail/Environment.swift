#if canImport(Glibc)
import Glibc
#endif

enum Environment {
    /// The variable's value, or `nil` when unset or empty.
    static func get(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
