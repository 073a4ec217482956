import Foundation

/// JSON coding for OpenADR objects: decoding that reports field paths, encoding that emits no `null`s.
///
/// The types in this module carry their own `Codable` for dates and durations, so any `JSONDecoder` works; these
/// helpers add the error translation and a stable output format.
public enum OpenADRJSON {
    /// Decodes `T` from a JSON body.
    /// - Throws: ``OpenADRValidationError`` with one issue whose pointer names the field that failed (`""` when the
    ///   body is not JSON at all).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(OpenADRValidationError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw OpenADRValidationError(error)
        } catch {
            throw OpenADRValidationError(pointer: "", message: "body is not valid JSON")
        }
    }

    /// Encodes `value` as compact JSON with sorted keys and unescaped slashes. Optional fields that are `nil` are
    /// omitted (the one exception, `objectOperations[].bearerToken`, is handled by ``ObjectOperation``).
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
