import Fleet
import Foundation
import Reconciler
import Synchronization
import Vendors

/// The engine's view of vendor credentials, over the fleet registry: tokens are decrypted and refreshed by
/// ``VendorAccountStore``, and kept in memory for a short while so a 100,000-vehicle event does not decrypt (and
/// lock the account row) once per command.
///
/// The cache holds plaintext access tokens in this process's memory only, never longer than ``cacheLifetime`` nor past
/// a minute before expiry; a token the vendor rejects is dropped at once.
public final class FleetVendorAccess: VendorAccess {
    private struct Entry {
        let token: String
        let validUntil: Date
    }

    let accounts: VendorAccountStore
    let vendors: [VendorName: any VehicleAPI]
    let vendorOfAccount: @Sendable (String) async throws -> VendorName?
    /// Defaults to 60 s.
    public let cacheLifetime: TimeInterval
    private let cache = Mutex<[String: Entry]>([:])

    public init(
        accounts: VendorAccountStore, vendors: [VendorName: any VehicleAPI], cacheLifetime: TimeInterval = 60,
        vendorOfAccount: @escaping @Sendable (String) async throws -> VendorName?
    ) {
        self.accounts = accounts
        self.vendors = vendors
        self.cacheLifetime = cacheLifetime
        self.vendorOfAccount = vendorOfAccount
    }

    public func accessToken(forAccount accountID: String) async throws -> String {
        let now = Date()
        if let entry = cache.withLock({ $0[accountID] }), entry.validUntil > now { return entry.token }
        guard let id = UUID(uuidString: accountID) else { throw VendorError(.needsReconsent, reason: "unknown vendor account") }
        guard let vendor = try await vendorOfAccount(accountID), let api = vendors[vendor] else {
            throw VendorError(.permanent, reason: "no adapter for this account's vendor")
        }
        let credentials: VendorCredentials
        do {
            credentials = try await accounts.credentials(for: id, using: api, now: now)
        } catch let error as FleetError {
            switch error {
            case .vendorUnavailable(let vendorError): throw vendorError
            case .secretKeyUnavailable: throw VendorError(.retryable, reason: "CURTAIL_SECRET_KEY is not configured")
            default: throw VendorError(.needsReconsent, reason: "vendor account unusable: \(error)")
            }
        }
        let validUntil = min(now.addingTimeInterval(cacheLifetime), credentials.expiresAt.addingTimeInterval(-60))
        cache.withLock { $0[accountID] = Entry(token: credentials.accessToken, validUntil: validUntil) }
        return credentials.accessToken
    }

    public func prefetch(accounts accountIDs: Set<String>) async {
        let now = Date()
        let missing = cache.withLock { cache in
            accountIDs.filter { id in cache[id].map { $0.validUntil <= now } ?? true }.compactMap { UUID(uuidString: $0) }
        }
        guard !missing.isEmpty, let tokens = try? await accounts.usableAccessTokens(for: missing, now: now) else { return }
        cache.withLock { cache in
            for (id, token) in tokens {
                let validUntil = min(now.addingTimeInterval(cacheLifetime), token.expiresAt.addingTimeInterval(-60))
                cache[id.uuidString.lowercased()] = Entry(token: token.accessToken, validUntil: validUntil)
            }
        }
    }

    public func tokenRejected(forAccount accountID: String) async {
        _ = cache.withLock { $0.removeValue(forKey: accountID) }
    }
}
