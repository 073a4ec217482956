/// One migration file, `NNNN_name.sql`, loaded from disk.
public struct Migration: Sendable, Hashable {
    /// The numeric prefix; migrations apply in ascending order of it.
    public var version: Int
    /// The part between `_` and `.sql`.
    public var name: String
    /// `fnv1a64:` and the 64-bit FNV-1a hash of the file's bytes, in hex. Recorded when applied.
    public var checksum: String
    /// The file's SQL text, run with the simple query protocol (several statements allowed).
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        checksum = Self.checksum(of: sql)
    }

    /// FNV-1a, 64-bit: enough to notice an edited file; not a security boundary.
    static func checksum(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
