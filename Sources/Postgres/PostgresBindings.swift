/// The parameters of one query, in `$1...$n` order, already in text format.
public struct PostgresBindings: Sendable, Hashable {
    /// Each parameter's text form; nil is SQL NULL.
    public private(set) var values: [String?] = []
    /// Each parameter's type OID; 0 lets the server infer the type.
    public private(set) var typeOIDs: [UInt32] = []

    public init() {}

    public var count: Int { values.count }

    /// Appends a parameter; its placeholder is `$count` afterwards.
    public mutating func append<Value: PostgresEncodable>(_ value: Value) {
        values.append(value.postgresText)
        typeOIDs.append(Value.postgresTypeOID)
    }
}
