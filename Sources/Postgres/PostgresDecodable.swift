/// A Swift value that can be decoded from a column in PostgreSQL's text output format.
///
/// Conforming types are the same as for ``PostgresEncodable``. `Optional` decodes SQL NULL as `nil`; every other
/// type rejects NULL, and ``PostgresRow`` reports that as a ``PostgresError/Code/decoding`` error naming the column.
public protocol PostgresDecodable: Sendable {
    /// Parses the server's text form; returns nil when `postgresText` is not a valid value of this type.
    init?(postgresText: String)

    /// The value that SQL NULL decodes to, or nil when NULL is an error for this type. Defaults to nil.
    static var postgresNullValue: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNullValue: Self? { nil }
}

/// A type that is both bound as a parameter and decoded from a column.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable
