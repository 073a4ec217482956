import API
import Fleet
import Foundation
import Postgres
import Secrets
import Testing
import Vendors

@Suite struct VendorAccountTests {
    @Test func create_Returns201WithoutTokens_AndStoresThemSealed() async throws {
        try await FleetHarness.with { h in
            let access = "tesla-access-" + UUID().uuidString
            let refresh = "tesla-refresh-" + UUID().uuidString
            TestLog.remember(access)
            TestLog.remember(refresh)
            let response = try await h.request(
                "POST", "/v1/vendor-accounts",
                json: ["vendor": "tesla", "access_token": access, "refresh_token": refresh, "expires_at": FleetHarness.futureDate(3600),
                       "groups": ["west", "fleet-a"]])
            #expect(response.status == 201)
            let object = response.object
            #expect(object["vendor"] as? String == "tesla")
            #expect(object["status"] as? String == "active")
            #expect(object["groups"] as? [String] == ["west", "fleet-a"])
            #expect(object["expires_at"] != nil)
            #expect(object["access_token"] == nil && object["refresh_token"] == nil)
            #expect(!response.text.contains(access) && !response.text.contains(refresh))
            #expect(response.header("Location") == "/v1/vendor-accounts/\(object["id"] as? String ?? "")")

            let dump = try await h.dump("vendor_accounts")
            #expect(!dump.contains(access) && !dump.contains(refresh))
            let hexAccess = Hex.encode(Array(access.utf8))
            #expect(!dump.contains(hexAccess))
            // The box opens only with the right key and the row's associated data.
            let id = try #require(UUID(uuidString: object["id"] as? String ?? ""))
            let row = try #require(try await h.pool.query("SELECT access_token_box FROM vendor_accounts WHERE id = \(id)").first)
            let sealed = try row.decode([UInt8].self, column: "access_token_box")
            let box = try SecretBox(hexKey: FleetHarness.secretKey)
            #expect(try box.open(sealed, associatedData: "vendor_account:\(id.uuidString.lowercased()):access_token") == access)
            #expect(throws: SecretBox.Failure.self) {
                try box.open(sealed, associatedData: "vendor_account:\(id.uuidString.lowercased()):refresh_token")
            }
        }
    }

    @Test func create_Rejects_BadBodies_AndChangesNothing() async throws {
        try await FleetHarness.with { h in
            let valid: [String: Any] = [
                "vendor": "tesla", "access_token": "a", "refresh_token": "r", "expires_at": FleetHarness.futureDate(3600),
            ]
            let notJSON = try await h.request("POST", "/v1/vendor-accounts", body: "{\"vendor\": ")
            #expect(notJSON.status == 400)
            #expect(notJSON.header("Content-Type") == "application/problem+json")

            let wrongMedia = try await h.request("POST", "/v1/vendor-accounts", body: "vendor=tesla", contentType: "application/x-www-form-urlencoded")
            #expect(wrongMedia.status == 415)

            var unknown = valid
            unknown["password"] = "x"
            let unknownField = try await h.request("POST", "/v1/vendor-accounts", json: unknown)
            #expect(unknownField.status == 400)
            #expect(unknownField.pointers == ["/password"])

            var wrongType = valid
            wrongType["expires_at"] = 12
            let typed = try await h.request("POST", "/v1/vendor-accounts", json: wrongType)
            #expect(typed.status == 400)
            #expect(typed.pointers == ["/expires_at"])

            var missing = valid
            missing.removeValue(forKey: "access_token")
            let required = try await h.request("POST", "/v1/vendor-accounts", json: missing)
            #expect(required.status == 400)
            #expect(required.pointers == ["/access_token"])

            for token in ["has space", "line\nbreak", "naïve"] {
                var badToken = valid
                badToken["access_token"] = token
                badToken["refresh_token"] = token
                let refused = try await h.request("POST", "/v1/vendor-accounts", json: badToken)
                #expect(refused.status == 422, "\(token): \(refused.text)")
                #expect(Set(refused.pointers) == ["/access_token", "/refresh_token"])
            }

            var badVendor = valid
            badVendor["vendor"] = "ford"
            badVendor["groups"] = ["ok", "not ok!"]
            let unprocessable = try await h.request("POST", "/v1/vendor-accounts", json: badVendor)
            #expect(unprocessable.status == 422)
            #expect(Set(unprocessable.pointers) == ["/vendor", "/groups/1"])

            #expect(try await h.count("vendor_accounts") == 0)
        }
    }

    @Test func create_Returns409_WhenExternalIDRepeats() async throws {
        try await FleetHarness.with { h in
            _ = try await h.createAccount(externalID: "user-42")
            let again = try await h.request(
                "POST", "/v1/vendor-accounts",
                json: ["vendor": "tesla", "access_token": "a2", "refresh_token": "r2", "expires_at": FleetHarness.futureDate(60),
                       "external_id": "user-42"])
            #expect(again.status == 409)
            #expect(try await h.count("vendor_accounts") == 1)
        }
    }

    @Test func create_Returns503_WithoutSecretKey() async throws {
        try await FleetHarness.with(secretKey: nil) { h in
            let response = try await h.request(
                "POST", "/v1/vendor-accounts",
                json: ["vendor": "tesla", "access_token": "a", "refresh_token": "r", "expires_at": FleetHarness.futureDate(60)])
            #expect(response.status == 503)
            #expect((response.object["detail"] as? String ?? "").contains("CURTAIL_SECRET_KEY"))
            #expect(try await h.count("vendor_accounts") == 0)
        }
    }

    @Test func getListDelete() async throws {
        try await FleetHarness.with { h in
            let tesla = try await h.createAccount(vendor: "tesla")
            _ = try await h.createAccount(vendor: "smartcar", groups: [])
            #expect(try await h.get("/v1/vendor-accounts/\(tesla)").object["id"] as? String == tesla)
            #expect(try await h.get("/v1/vendor-accounts/\(UUID())").status == 404)
            #expect(try await h.get("/v1/vendor-accounts/not-a-uuid").status == 404)
            #expect(try await h.get("/v1/vendor-accounts").array.count == 2)
            #expect(try await h.get("/v1/vendor-accounts?vendor=smartcar").array.map { $0["vendor"] as? String } == ["smartcar"])
            #expect(try await h.get("/v1/vendor-accounts?limit=1&skip=1").array.count == 1)
            #expect(try await h.get("/v1/vendor-accounts?vendor=ford").status == 400)
            #expect(try await h.get("/v1/vendor-accounts?limit=501").status == 400)

            let vehicle = try await h.createVehicle(["account_id": tesla])
            #expect(try await h.request("DELETE", "/v1/vendor-accounts/\(tesla)").status == 204)
            #expect(try await h.request("DELETE", "/v1/vendor-accounts/\(tesla)").status == 404)
            #expect(try await h.get("/v1/vehicles/\(vehicle)").object["status"] as? String == "removed")
            #expect(try await h.count("vendor_accounts") == 1)
        }
    }

    @Test func sync_EnrolsListedVehicles_IntoAccountGroups() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let access = "sync-access-" + UUID().uuidString
            fake.state.withLock {
                $0.vehicles[access] = [
                    VendorVehicle(id: "5YJ3E1EA1KF000001", make: "Tesla", model: "Model 3", year: 2019),
                    VendorVehicle(id: "5YJ3E1EA1KF000002", make: "Tesla", model: "Model Y", year: 2022),
                    VendorVehicle(id: "5YJ3E1EA1KF000003", make: "Tesla"),
                ]
            }
            let account = try await h.createAccount(access: access, groups: ["west", "pilot"])
            let first = try await h.request("POST", "/v1/vendor-accounts/\(account)/sync")
            #expect(first.status == 200, "\(first.text)")
            #expect((first.object["added"] as? [Any])?.count == 3)
            #expect((first.object["updated"] as? [Any])?.count == 0)
            let west = try await h.get("/v1/vehicles?group=pilot").array
            #expect(west.count == 3)
            #expect(west.allSatisfy { $0["account_id"] as? String == account && ($0["groups"] as? [String]) == ["pilot", "west"] })
            // A vendor's listing says nothing of the supply: the defaults stay unconfirmed.
            #expect(west.allSatisfy { $0["electrical_source"] as? String == "assumed" })

            fake.state.withLock { _ = $0.vehicles[access]?.removeLast() }
            let second = try await h.request("POST", "/v1/vendor-accounts/\(account)/sync")
            #expect((second.object["added"] as? [Any])?.count == 0)
            #expect((second.object["updated"] as? [Any])?.count == 2)
            #expect(((second.object["removed"] as? [[String: Any]]) ?? []).map { $0["vendor_vehicle_id"] as? String } == ["5YJ3E1EA1KF000003"])
            #expect(try await h.get("/v1/vendor-accounts/\(account)").object["vehicle_count"] as? Int == 2)

            #expect(try await h.request("POST", "/v1/vendor-accounts/\(UUID())/sync").status == 404)
            let smartcar = try await h.createAccount(vendor: "smartcar")
            let noAdapter = try await h.request("POST", "/v1/vendor-accounts/\(smartcar)/sync")
            #expect(noAdapter.status == 503)
        }
    }

    /// A refused access token (expired early, rotated elsewhere) is refreshed once and the listing retried; a refused
    /// refresh then means re-consent (409), never a 502.
    @Test func sync_WhenAccessTokenIsRefused_RefreshesOnceAndRetries() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let (stale, fresh, refresh) = ("stale-" + UUID().uuidString, "fresh-" + UUID().uuidString, "refresh-" + UUID().uuidString)
            TestLog.remember(fresh)
            fake.state.withLock {
                $0.unauthorized = [stale]
                $0.vehicles[fresh] = [VendorVehicle(id: "VIN-F1", make: "Tesla")]
                $0.refreshes[refresh] = .success(
                    VendorCredentials(accessToken: fresh, refreshToken: refresh, expiresAt: Date().addingTimeInterval(3600)))
            }
            let account = try await h.createAccount(access: stale, refresh: refresh)
            let synced = try await h.request("POST", "/v1/vendor-accounts/\(account)/sync")
            #expect(synced.status == 200, "\(synced.text)")
            #expect((synced.object["added"] as? [Any])?.count == 1)
            #expect(fake.state.withLock { ($0.refreshCalls, $0.listCalls) } == ([refresh], [stale, fresh]))

            let refusedRefresh = "refresh-" + UUID().uuidString
            let other = try await h.createAccount(access: stale, refresh: refusedRefresh)
            let reconsent = try await h.request("POST", "/v1/vendor-accounts/\(other)/sync")
            #expect(reconsent.status == 409, "\(reconsent.text)")
            #expect(try await h.get("/v1/vendor-accounts/\(other)").object["status"] as? String == "needs_reconsent")
        }
    }

    @Test func sync_WhenVendorRevokes_MarksAccountAndVehicles_Returns409() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let access = "revoked-" + UUID().uuidString
            fake.state.withLock { $0.vehicles[access] = [VendorVehicle(id: "VIN-R1", make: "Tesla")] }
            let account = try await h.createAccount(access: access)
            #expect(try await h.request("POST", "/v1/vendor-accounts/\(account)/sync").status == 200)
            fake.state.withLock { $0.vehicles[access] = nil }  // the vendor now answers 401
            let revoked = try await h.request("POST", "/v1/vendor-accounts/\(account)/sync")
            #expect(revoked.status == 409)
            let stored = try await h.get("/v1/vendor-accounts/\(account)").object
            #expect(stored["status"] as? String == "needs_reconsent")
            #expect(stored["status_reason"] as? String == "token_revoked")
            #expect(try await h.get("/v1/vehicles?state=needs_reconsent").array.map { $0["vendor_vehicle_id"] as? String } == ["VIN-R1"])
            #expect(try await h.get("/v1/vendor-accounts?status=needs_reconsent").array.count == 1)
        }
    }
}

@Suite struct TokenRefreshTests {
    @Test func credentials_RefreshesOnce_WhenExpiringSoon_EvenWithConcurrentCallers() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let oldRefresh = "old-refresh-" + UUID().uuidString
            let rotated = VendorCredentials(
                accessToken: "new-access-" + UUID().uuidString, refreshToken: "new-refresh-" + UUID().uuidString,
                expiresAt: Date().addingTimeInterval(8 * 3600))
            TestLog.remember(rotated.accessToken)
            TestLog.remember(rotated.refreshToken)
            fake.state.withLock {
                $0.refreshes[oldRefresh] = .success(rotated)
                $0.refreshDelay = .milliseconds(200)
            }
            let id = try #require(UUID(uuidString: try await h.createAccount(refresh: oldRefresh, expiresIn: 120)))
            let store = VendorAccountStore(pool: h.pool, box: try SecretBox(hexKey: FleetHarness.secretKey), logger: TestLog.logger("test.store"))
            async let a = store.credentials(for: id, using: fake)
            async let b = store.credentials(for: id, using: fake)
            let (first, second) = try await (a, b)
            func same(_ a: VendorCredentials, _ b: VendorCredentials) -> Bool {
                a.accessToken == b.accessToken && a.refreshToken == b.refreshToken && abs(a.expiresAt.timeIntervalSince(b.expiresAt)) < 0.001
            }
            #expect(same(first, rotated) && same(second, rotated))
            #expect(fake.state.withLock { $0.refreshCalls } == [oldRefresh])
            // Stored rotated and sealed; a later call uses them without refreshing.
            #expect(same(try await store.credentials(for: id, using: fake), rotated))
            #expect(fake.state.withLock { $0.refreshCalls.count } == 1)
            let dump = try await h.dump("vendor_accounts")
            #expect(!dump.contains(rotated.accessToken) && !dump.contains(rotated.refreshToken))
            #expect(try await h.get("/v1/vendor-accounts/\(id)").object["last_refreshed_at"] != nil)
        }
    }

    @Test func refreshExpiring_MarksRevokedAccount_WithoutFailingOthers() async throws {
        let fake = FakeVehicleAPI()
        try await FleetHarness.with(vendors: [.tesla: fake]) { h in
            let goodRefresh = "good-" + UUID().uuidString
            let fresh = VendorCredentials(accessToken: "fresh-" + UUID().uuidString, refreshToken: "fresh-r-" + UUID().uuidString, expiresAt: Date().addingTimeInterval(3600))
            TestLog.remember(fresh.accessToken)
            TestLog.remember(fresh.refreshToken)
            fake.state.withLock { $0.refreshes[goodRefresh] = .success(fresh) }
            let good = try #require(UUID(uuidString: try await h.createAccount(refresh: goodRefresh, expiresIn: 60)))
            let bad = try #require(UUID(uuidString: try await h.createAccount(refresh: "revoked-" + UUID().uuidString, expiresIn: 60)))
            let outageRefresh = "down-" + UUID().uuidString
            let outage = try #require(UUID(uuidString: try await h.createAccount(refresh: outageRefresh, expiresIn: 60)))
            // The third account's vendor is down (retryable): it stays active.
            fake.state.withLock { $0.refreshes[outageRefresh] = .failure(VendorError(.retryable, reason: "HTTP 503", status: 503)) }
            let later = try #require(UUID(uuidString: try await h.createAccount(expiresIn: 7200)))
            let badVehicle = try await h.createVehicle(["account_id": bad.uuidString.lowercased()])

            let store = VendorAccountStore(pool: h.pool, box: try SecretBox(hexKey: FleetHarness.secretKey), logger: TestLog.logger("test.store"))
            let outcomes = try await store.refreshExpiring(apis: [.tesla: fake])
            #expect(outcomes[good] == .refreshed)
            #expect(outcomes[bad] == .needsReconsent)
            if case .failed = outcomes[outage] {} else { Issue.record("outage account: \(String(describing: outcomes[outage]))") }
            #expect(outcomes[later] == nil)

            #expect(try await h.get("/v1/vendor-accounts/\(bad)").object["status"] as? String == "needs_reconsent")
            #expect(try await h.get("/v1/vehicles/\(badVehicle)").object["status"] as? String == "needs_reconsent")
            #expect(try await h.get("/v1/vendor-accounts/\(good)").object["status"] as? String == "active")
            #expect(try await h.get("/v1/vendor-accounts/\(outage)").object["status"] as? String == "active")
            await #expect(throws: FleetError.self) { try await store.credentials(for: bad, using: fake) }
        }
    }
}
