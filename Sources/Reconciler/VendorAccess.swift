import Vendors

/// Live access tokens for vendor accounts. The fleet registry implements it (decrypting, refreshing before expiry,
/// marking accounts that need re-consent); the engine only asks.
public protocol VendorAccess: Sendable {
    /// A usable access token for `accountID`.
    /// - Throws: `VendorError` of kind `.needsReconsent` when the account can no longer be used.
    func accessToken(forAccount accountID: String) async throws -> String

    /// The vendor rejected the token (HTTP 401): refresh it before the next use.
    func tokenRejected(forAccount accountID: String) async

    /// Loads the tokens of many accounts at once, so that the ``accessToken(forAccount:)`` calls that follow need no
    /// database round trip each. Best effort: an account it cannot load is loaded by ``accessToken(forAccount:)``.
    func prefetch(accounts accountIDs: Set<String>) async
}

extension VendorAccess {
    public func prefetch(accounts accountIDs: Set<String>) async {}
}
