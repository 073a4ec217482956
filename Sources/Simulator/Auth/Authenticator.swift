/// Bearer-token checks and the OAuth grants, over the store's token index.
enum AuthFailure: Error, Sendable {
    /// No `Authorization: Bearer` header.
    case missing
    /// Unknown token, or a token of another vendor.
    case invalid
    /// A known access token past its expiry.
    case expired
}

/// The outcome of a token-endpoint grant.
enum GrantOutcome: Sendable {
    case granted(accessToken: String, refreshToken: String, expiresIn: Int, account: Int)
    /// Unknown, expired, cycled-out or already-used refresh token (or an unknown code).
    case invalidGrant
    case throttled(Throttle)
}

extension FleetStore {
    /// The account a request's bearer token belongs to.
    func authenticate(_ authorization: String?, vendor: Vendor) -> Result<Int, AuthFailure> {
        guard let authorization, authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { return .failure(.missing) }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: " ")
        guard let record = self.token(token), record.kind == .access, accountVendor[record.account] == vendor else {
            return .failure(.invalid)
        }
        guard record.expiresAt > wallNow() else { return .failure(.expired) }
        return .success(record.account)
    }

    /// The `refresh_token` grant: single use, rotating both tokens. A used token keeps working for the vendor's
    /// grace period (Tesla: the most recently used one, 24 h; Smartcar: 1 minute).
    func refresh(vendor: Vendor, refreshToken: String) -> GrantOutcome {
        let now = wallNow()
        let policy = TokenPolicy.of(vendor)
        let account: Int? = withToken(refreshToken) { record in
            guard var r = record, r.kind == .refresh, accountVendor[r.account] == vendor, r.expiresAt > now else {
                return nil
            }
            if let used = r.usedAt {
                guard now < used + policy.usedRefreshGrace else { return nil }
            } else {
                r.usedAt = now
                record = r
            }
            return r.account
        }
        guard let account else { return .invalidGrant }
        return issue(account: account, now: now, usedRefresh: refreshToken)
    }

    /// The `authorization_code` grant. Codes are the accounts' `auth_code` values from `/_sim/accounts`.
    func exchange(vendor: Vendor, code: String) -> GrantOutcome {
        guard let account = accountIndex(forCode: code), accountVendor[account] == vendor else { return .invalidGrant }
        return issue(account: account, now: wallNow(), usedRefresh: nil)
    }

    func accountIndex(forCode code: String) -> Int? {
        let id = code.split(separator: "_", maxSplits: 1).last.map(String.init) ?? code
        return accountIndex(id)
    }

    private func issue(account: Int, now: Double, usedRefresh: String?) -> GrantOutcome {
        var rng = SystemRandomNumberGenerator()
        let vendor = accountVendor[account]
        let policy = TokenPolicy.of(vendor)
        enum Step { case throttled(Throttle), issued(access: String, refresh: String, cutOff: String?) }
        let step: Step = withAccount(account) { a in
            if let throttle = a.pacing.tokenRequests.take(now: now, limit: a.limits.tokenRequestsPerSecond, period: 1) {
                return .throttled(throttle)
            }
            let (access, refresh) = Tokens.make(vendor: vendor, region: a.region, rng: &rng)
            a.accessToken = access
            a.accessExpiresAt = now + policy.accessLifetime
            a.refreshToken = refresh
            a.refreshExpiresAt = now + policy.refreshLifetime
            var cutOff: String?
            if let usedRefresh, vendor == .tesla, a.lastUsedRefresh != usedRefresh {
                // Only the most recently used refresh token keeps its 24 h grace.
                cutOff = a.lastUsedRefresh
                a.lastUsedRefresh = usedRefresh
            }
            return .issued(access: access, refresh: refresh, cutOff: cutOff)
        }
        switch step {
        case .throttled(let throttle):
            return .throttled(throttle)
        case .issued(let access, let refresh, let cutOff):
            withToken(access) {
                $0 = TokenRecord(account: account, kind: .access, expiresAt: now + policy.accessLifetime)
            }
            withToken(refresh) {
                $0 = TokenRecord(account: account, kind: .refresh, expiresAt: now + policy.refreshLifetime)
            }
            if let cutOff { withToken(cutOff) { $0 = nil } }
            return .granted(
                accessToken: access, refreshToken: refresh, expiresIn: Int(policy.accessLifetime), account: account)
        }
    }

    /// Control API: sets the account's current access token to expire `seconds` from now (0: expired now).
    func expireAccessToken(account: Int, in seconds: Double) {
        let at = wallNow() + seconds
        let token = withAccount(account) { a -> String in
            a.accessExpiresAt = at
            return a.accessToken
        }
        withToken(token) { $0?.expiresAt = at }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
