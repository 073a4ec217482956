import Foundation

/// Text helpers shared by the adapters: URL pieces, form bodies, and keeping secrets out of reasons.
enum VendorText {
    /// `base` without trailing slashes, so paths can be appended.
    static func trimmedBase(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// A vehicle id as one path segment. VINs and Smartcar UUIDs are letters, digits and `-`; anything else is
    /// refused rather than escaped, so an id can never reach another path (`../`) or carry a query.
    static func pathSegment(_ id: String) throws(VendorError) -> String {
        guard !id.isEmpty, id.utf8.count <= 64,
            id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { throw VendorError.invalidInput("invalid vehicle id") }
        return id
    }

    /// `application/x-www-form-urlencoded` (WHATWG URL §5.2): unreserved bytes as is, space as `+`, the rest `%XX`.
    static func formEncoded(_ fields: [(String, String)]) -> [UInt8] {
        func encode(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                switch byte {
                case 48...57, 65...90, 97...122, 45, 46, 95, 42: out.unicodeScalars.append(UnicodeScalar(byte))
                case 32: out.append("+")
                default: out += String(format: "%%%02X", byte)
                }
            }
            return out
        }
        return Array(fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }

    /// A vendor string made safe for ``VendorError/reason``: secrets replaced, control characters dropped, and at
    /// most 200 characters.
    static func safeReason(_ text: String, redacting secrets: [String] = []) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        text = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// Decodes a JSON body, or `nil` when it is not that shape.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> T? {
        guard !body.isEmpty else { return nil }
        return try? JSONDecoder().decode(type, from: Data(body))
    }

    /// The OAuth token response both vendors send (RFC 6749 §5.1).
    struct TokenResponse: Decodable {
        var access_token: String?
        var refresh_token: String?
        var expires_in: Double?
    }

    /// The OAuth error body (RFC 6749 §5.2). Only `error`, a fixed code, is ever kept: descriptions can echo the
    /// refresh token (Smartcar: `Invalid refresh_token: <token>.`).
    struct OAuthError: Decodable {
        var error: String?
    }
}
