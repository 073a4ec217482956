import Foundation

/// A complete HTTP response. The server adds `Content-Length`, `Date` and `Connection` when it encodes it.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, the server closes the connection without sending anything (the status, headers and body are
    /// ignored). For fault injection (a simulated peer that drops the connection), never for normal errors.
    public var dropsConnection = false

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// An `application/json` response from already encoded bytes.
    public static func json(_ bytes: some Sequence<UInt8>, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(bytes))
    }

    /// Encodes `value` with ISO 8601 dates and sorted keys.
    public static func json(encoding value: some Encodable, status: HTTPStatus = .ok) throws -> HTTPResponse {
        .json(try JSONCoding.encoder.encode(value), status: status)
    }

    /// A response that is never sent: the server closes the connection instead (see ``dropsConnection``).
    public static var dropConnection: HTTPResponse {
        var response = HTTPResponse(status: .internalServerError)
        response.dropsConnection = true
        return response
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The JSON settings every Curtail surface shares: ISO 8601 dates, sorted keys.
public enum JSONCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseISO8601(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date-time: \(text)")
        }
        return decoder
    }

    /// Parses RFC 3339 date-times with or without fractional seconds.
    public static func parseISO8601(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
