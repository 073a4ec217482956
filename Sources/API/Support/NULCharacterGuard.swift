import HTTP

/// Rejects JSON bodies carrying the NUL character (U+0000) with a 400 problem, before any handler runs.
///
/// PostgreSQL stores neither `text` nor `jsonb` with U+0000 in it (libpq even truncates a parameter at a NUL byte),
/// so such input would otherwise fail deep in the store as a 500. No field of Curtail's API has a use for it, so
/// a JSON body holding a `\u0000` escape (or a raw NUL byte) anywhere, keys included, is refused at the edge.
/// Free-text query filters are checked where they are parsed (`OpenADRRequestSupport.listQuery`); the token
/// endpoint's form body answers its own OAuth error.
public struct NULCharacterGuard: Middleware {
    public init() {}

    public func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        if let place = Self.nulLocation(in: request) {
            return .error(APIError.badRequest("The request contains a NUL character (U+0000) in its \(place); no field accepts it."))
        }
        return try await next(request, context)
    }

    /// Where the request carries a NUL, or nil.
    static func nulLocation(in request: HTTPRequest) -> String? {
        if request.body.isEmpty { return nil }
        let mediaType = (request.headers["Content-Type"] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else { return nil }
        return jsonHasNUL(request.body) ? "body" : nil
    }

    /// Whether JSON text holds a raw NUL byte or a `\u0000` escape. Escapes are skipped as pairs, so an escaped
    /// backslash followed by `u0000` (the six characters `\u0000` in the decoded string) is not mistaken for one.
    static func jsonHasNUL(_ bytes: [UInt8]) -> Bool {
        let zero = UInt8(ascii: "0")
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 { return true }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "u"), index + 5 < bytes.count,
                    bytes[index + 2] == zero, bytes[index + 3] == zero, bytes[index + 4] == zero, bytes[index + 5] == zero
                {
                    return true
                }
                index += 2
                continue
            }
            index += 1
        }
        return false
    }
}
