/// A Swift value that can be bound as a query parameter (`$n`), sent in PostgreSQL's text format.
///
/// Conforming types: `String`, `Int`, `Int32`, `Int64`, `Double`, `Bool`, `UUID`, `Date` (as `timestamptz`),
/// `[UInt8]` (as `bytea`), `[String]`/`[Int]`/... (as array literals), ``PostgresJSON``, and `Optional` of any of
/// them (`nil` binds SQL NULL).
public protocol PostgresEncodable: Sendable {
    /// The parameter's type OID sent to the server, or 0 to let the server infer it from context.
    ///
    /// Defaults to 0. Text-like types keep 0 so that `WHERE uuid_column = \(someString)` still works.
    static var postgresTypeOID: UInt32 { get }

    /// The value in PostgreSQL's text input format, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension PostgresEncodable {
    public static var postgresTypeOID: UInt32 { 0 }
}
