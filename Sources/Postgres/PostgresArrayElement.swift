/// A type that can be an element of a one-dimensional array parameter or column (`text[]`, `int8[]`, `bytea`).
///
/// `[UInt8]` is special-cased as `bytea`; other arrays use PostgreSQL's array literal syntax (`{"a","b"}`).
/// Array elements are never NULL: use a non-optional element type.
public protocol PostgresArrayElement: Sendable {
    /// The OID of the array type (`_text` = 1009, `_int8` = 1016), or 0 to let the server infer it.
    static var postgresArrayTypeOID: UInt32 { get }
    /// The element's text form inside an array literal (quoted by the encoder).
    var postgresArrayElementText: String { get }
    /// Parses one element's unquoted text.
    init?(postgresArrayElementText: String)
}

extension String: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 0 }
    public var postgresArrayElementText: String { self }
    public init?(postgresArrayElementText: String) { self = postgresArrayElementText }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 1016 }  // _int8
    public var postgresArrayElementText: String { String(self) }
    public init?(postgresArrayElementText: String) { self.init(postgresArrayElementText) }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 1016 }  // _int8
    public var postgresArrayElementText: String { String(self) }
    public init?(postgresArrayElementText: String) { self.init(postgresArrayElementText) }
}

extension Int32: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 1007 }  // _int4
    public var postgresArrayElementText: String { String(self) }
    public init?(postgresArrayElementText: String) { self.init(postgresArrayElementText) }
}

extension UInt8: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { 17 }  // [UInt8] is bytea, not an array
    public var postgresArrayElementText: String { String(self) }
    public init?(postgresArrayElementText: String) { self.init(postgresArrayElementText) }
}
