import Foundation

// Text-format codecs for the standard library and Foundation types. Type OIDs are from pg_type.dat.

extension String: PostgresCodable {
    public var postgresText: String? { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 20 }  // int8
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 20 }  // int8
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 23 }  // int4
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int16: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 21 }  // int2
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 701 }  // float8
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"  // shortest representation that round-trips
    }
    public init?(postgresText: String) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else { return nil }
            self = value
        }
    }
}

extension Bool: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 16 }  // bool
    public var postgresText: String? { self ? "true" : "false" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 2950 }  // uuid
    public var postgresText: String? { uuidString.lowercased() }
    public init?(postgresText: String) { self.init(uuidString: postgresText) }
}

/// `bytea`, sent and read in hex format (`\x0aff`), the server default since PostgreSQL 9.0.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresTypeOID: UInt32 { Element.postgresArrayTypeOID }
    public var postgresText: String? {
        // Checked by type, not by cast: an empty [String] casts to [UInt8] and would be sent as an empty bytea.
        if Element.self == UInt8.self, let bytes = self as? [UInt8] { return PostgresByteA.encode(bytes) }
        return PostgresArrayLiteral.encode(self.map { $0.postgresArrayElementText })
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init?(postgresText: String) {
        if Element.self == UInt8.self {
            guard let bytes = PostgresByteA.decode(postgresText) as? [Element] else { return nil }
            self = bytes
            return
        }
        guard let items = PostgresArrayLiteral.decode(postgresText) else { return nil }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let element = Element(postgresArrayElementText: item) else { return nil }
            result.append(element)
        }
        self = result
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { Wrapped.postgresTypeOID }
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText: String) {
        guard let wrapped = Wrapped(postgresText: postgresText) else { return nil }
        self = .some(wrapped)
    }
    public static var postgresNullValue: Self? { .some(.none) }
}
