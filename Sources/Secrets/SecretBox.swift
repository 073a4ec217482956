import COpenSSL

/// Encrypts secrets at rest with AES-256-GCM (vendor OAuth tokens).
///
/// A sealed box is `version(1) || nonce(12) || ciphertext || tag(16)`. The associated data binds a ciphertext to
/// where it belongs (e.g. `"vendor_account:<id>:access_token"`), so a ciphertext copied into another row or column
/// does not open. Nonces are random: with 96-bit nonces, a key may seal about 2^32 values before rotation.
public struct SecretBox: Sendable {
    public enum Failure: Error, SafeDescribed {
        /// The key is not 32 bytes (64 hex digits).
        case invalidKey
        /// The box is malformed, or its tag does not verify (wrong key, wrong associated data, tampering).
        case unsealFailed
        case cipherFailed(String)

        public var description: String {
            switch self {
            case .invalidKey: "CURTAIL_SECRET_KEY must be 32 bytes written as 64 hex digits"
            case .unsealFailed: "secret could not be decrypted (wrong key or tampered data)"
            case .cipherFailed(let step): "AES-256-GCM \(step) failed"
            }
        }
    }

    private static let version: UInt8 = 1
    private let key: [UInt8]

    /// - Parameter hexKey: 64 hex digits (as `CURTAIL_SECRET_KEY` holds; make one with `openssl rand -hex 32`).
    public init(hexKey: String) throws(Failure) {
        guard let key = Hex.decode(hexKey), key.count == 32 else { throw .invalidKey }
        self.key = key
    }

    public init(key: [UInt8]) throws(Failure) {
        guard key.count == 32 else { throw .invalidKey }
        self.key = key
    }

    public func seal(_ plaintext: String, associatedData: String) throws(Failure) -> [UInt8] {
        let nonce = SecureRandom.bytes(12)
        let input = Array(plaintext.utf8), aad = Array(associatedData.utf8)
        guard let context = EVP_CIPHER_CTX_new() else { throw .cipherFailed("context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var ciphertext = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_EncryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
        else { throw .cipherFailed("init") }
        if !input.isEmpty {
            guard EVP_EncryptUpdate(context, &ciphertext, &length, input, Int32(input.count)) == 1 else { throw .cipherFailed("update") }
            total = Int(length)
        }
        let finalOK = ciphertext.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(context, $0.baseAddress! + total, &length) }
        guard finalOK == 1 else { throw .cipherFailed("final") }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: 16)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else { throw .cipherFailed("tag") }
        return [Self.version] + nonce + ciphertext.prefix(total) + tag
    }

    public func open(_ box: [UInt8], associatedData: String) throws(Failure) -> String {
        guard box.count >= 1 + 12 + 16, box[0] == Self.version else { throw .unsealFailed }
        let nonce = Array(box[1..<13])
        let ciphertext = Array(box[13..<(box.count - 16)])
        var tag = Array(box.suffix(16))
        let aad = Array(associatedData.utf8)
        guard let context = EVP_CIPHER_CTX_new() else { throw .cipherFailed("context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
        else { throw .cipherFailed("init") }
        if !ciphertext.isEmpty {
            guard EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1 else { throw .unsealFailed }
            total = Int(length)
        }
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { throw .cipherFailed("tag") }
        let finalOK = plaintext.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &length) }
        guard finalOK == 1 else { throw .unsealFailed }
        total += Int(length)
        return String(decoding: plaintext.prefix(total), as: UTF8.self)
    }
}

/// Marks an error whose description holds no secret. (The HTTP layer's `SafeToLogError` is the same idea; this
/// module cannot import HTTP, so the API layer bridges the two.)
public protocol SafeDescribed: Error, CustomStringConvertible {}
