/// A value from an open set of strings: any string is legal (the spec allows private names), the conforming type's
/// static constants name the values the spec defines, and it encodes as the bare string (the standard library's
/// `RawRepresentable` Codable default).
public protocol OpenString: RawRepresentable<String>, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    init(rawValue: String)
}

extension OpenString {
    public init(_ rawValue: String) { self.init(rawValue: rawValue) }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
}
