import Testing
@testable import Secrets

@Suite struct SecretsTests {
    let box = try! SecretBox(hexKey: String(repeating: "ab", count: 32))

    @Test func sealThenOpen_RoundTrips() throws {
        let sealed = try box.seal("tesla-access-token-123", associatedData: "vendor_account:1:access_token")
        #expect(try box.open(sealed, associatedData: "vendor_account:1:access_token") == "tesla-access-token-123")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("tesla-access-token"))
    }

    @Test func open_Fails_WithOtherAssociatedDataKeyOrTampering() throws {
        var sealed = try box.seal("secret", associatedData: "a")
        #expect(throws: SecretBox.Failure.self) { try box.open(sealed, associatedData: "b") }
        let other = try SecretBox(hexKey: String(repeating: "cd", count: 32))
        #expect(throws: SecretBox.Failure.self) { try other.open(sealed, associatedData: "a") }
        sealed[15] ^= 1
        #expect(throws: SecretBox.Failure.self) { try box.open(sealed, associatedData: "a") }
    }

    @Test func sealingTwice_GivesDifferentBoxes() throws {
        #expect(try box.seal("x", associatedData: "a") != box.seal("x", associatedData: "a"))
    }

    @Test func invalidKey_IsRejected() {
        #expect(throws: SecretBox.Failure.self) { try SecretBox(hexKey: "abcd") }
        #expect(throws: SecretBox.Failure.self) { try SecretBox(hexKey: String(repeating: "zz", count: 32)) }
    }

    @Test func sha256_MatchesKnownVector() {
        #expect(Hex.encode(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmac_MatchesRFC4231Case2() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func base64url_EncodesWithoutPadding() {
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(SecureRandom.token().count == 43)
    }
}
