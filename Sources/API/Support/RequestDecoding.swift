import Foundation
import HTTP

extension HTTPRequest {
    /// Decodes a JSON body into `T`, or throws the problem the client needs: 415 for a non-JSON content type,
    /// 400 for malformed JSON or a field of the wrong type or missing, naming the field as a JSON pointer.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws(APIError) -> T {
        try requireJSONContentType()
        do {
            return try JSONCoding.decoder.decode(T.self, from: bodyData)
        } catch let error as DecodingError {
            throw APIError.decoding(error)
        } catch {
            throw APIError.badRequest("The body is not valid JSON.")
        }
    }

    /// - Throws: 415 unless the body is declared `application/json` (or a `+json` type).
    public func requireJSONContentType() throws(APIError) {
        let mediaType = (headers["Content-Type"] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw APIError(.unsupportedMediaType, "Send the body as application/json.")
        }
    }
}

extension APIError {
    /// Maps a `DecodingError` to a 400 that names the field.
    static func decoding(_ error: DecodingError) -> APIError {
        func pointer(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "/" : "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return .invalidField(pointer(context.codingPath), "expected \(Self.jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return .invalidField(pointer(context.codingPath), "expected \(Self.jsonTypeName(type)), found null")
        case .keyNotFound(let key, let context):
            return .invalidField(pointer(context.codingPath + [key]), "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .badRequest("The body is not valid JSON.") }
            return .invalidField(pointer(context.codingPath), context.debugDescription)
        @unknown default:
            return .badRequest("The body could not be decoded.")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }
}

/// Pagination as OpenADR does it: `skip` and `limit`, bounded.
public struct Page: Sendable {
    public let skip: Int
    public let limit: Int

    /// Largest `limit` a client may ask for. Lists longer than this need paging.
    public static let maximumLimit = 500

    /// - Throws: 400 naming `skip` or `limit` when not a non-negative integer, or `limit` above the maximum.
    public init(_ query: QueryParameters, defaultLimit: Int = 50) throws(APIError) {
        skip = try Self.parse(query["skip"], name: "skip", default: 0, range: 0...Int(Int32.max))
        limit = try Self.parse(query["limit"], name: "limit", default: defaultLimit, range: 0...Self.maximumLimit)
    }

    private static func parse(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalidField(name, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
