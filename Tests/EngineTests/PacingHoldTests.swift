import API
import Foundation
import HTTP
import Postgres
import Reconciler
import Testing

/// Issue #7: a vendor's 429 with an hour's Retry-After put a hold in one process's memory; each restore attempt then
/// slept on it inside its 120 s lease, the lease ran out, another process claimed the car and slept the same way,
/// and the restore was never recorded. Holds are now persisted and shared, and a worker never sleeps past its claim.
@Suite(.serialized) struct PacingHoldTests {
    static let longRetryAfter = 600

    func count(_ h: EngineHarness, _ sql: PostgresQuery) async throws -> Int {
        try await h.app.pool.query(sql).first?.decode(Int.self, column: "n") ?? -1
    }

    /// Every pending vehicle is released until its hold's end (±`slack` s, from `heldLeft`) and says so.
    func expectReleasedUntilTheHoldsEnd(_ h: EngineHarness, _ heldLeft: [String: Double], slack: Double, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let rows = try await h.app.pool.query(
            """
            SELECT v.vendor_vehicle_id, extract(epoch FROM s.next_attempt_at - now())::float8 AS due_in, s.last_error, s.lease_owner, s.attempts
            FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.desired <> s.applied
            """)
        for row in rows {
            let id = try row.decode(String.self, column: "vendor_vehicle_id")
            let dueIn = try row.decode(Double.self, column: "due_in"), lastError = try row.decode(String?.self, column: "last_error") ?? ""
            let left = heldLeft[id] ?? 0
            #expect(abs(dueIn - left) < slack, "\(id) due in \(dueIn) s, held for \(left) s", sourceLocation: sourceLocation)
            #expect(lastError.hasPrefix("rate-limited until ") && lastError.hasSuffix("(vendor hold)"), "\(id): \(lastError)", sourceLocation: sourceLocation)
            #expect(try row.decode(String?.self, column: "lease_owner") == nil, sourceLocation: sourceLocation)
            #expect(try row.decode(Int.self, column: "attempts") == 0, "a hold counted as a failed attempt", sourceLocation: sourceLocation)
        }
    }

    /// Vehicles (vendor ids) whose desired state is not applied.
    func pending(_ h: EngineHarness) async throws -> Set<String> {
        let rows = try await h.app.pool.query(
            "SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.desired <> s.applied")
        return Set(try rows.map { try $0.decode(String.self, column: "vendor_vehicle_id") })
    }

    /// The chain of the issue: the sampler meets a 429 with a long Retry-After during an event; the event ends. The
    /// worker of the same process (whose Pacer holds the vehicles) returns at once instead of sleeping on the hold,
    /// a second process (a fresh Pacer, full buckets, no memory of the hold) does not command the held vehicles
    /// either, nor does the sampler read them; once the hold ends in the database the restores go through, from
    /// the first process too (the database, not its memory, decides).
    @Test func a429WithALongRetryAfter_IsHeldAcrossProcesses_NoWorkerSleepsOnIt_AndTheRestoreFollowsTheHoldsEnd() async throws {
        try await EngineHarness.with(vehicles: 40, seed: 7, simulatorLimits: .unlimited, pacing: .unlimited) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "ph", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            let eventID = try await h.postEvent(utilityToken: utility, group: "ph", payload: ["type": "SIMPLE", "values": [3]])
            try await h.settle()
            let curtailed = Set(
                try await h.app.pool.query(
                    "SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.applied <> 'normal'"
                ).map { try $0.decode(String.self, column: "vendor_vehicle_id") })
            try #require(!curtailed.isEmpty, "nothing was curtailed")
            #expect(Set(curtailed.compactMap { id in before.first { $0.id == id }?.vendor }) == ["tesla", "smartcar"])

            // Every vendor request is refused with Retry-After 600 s while the sampler reads the fleet.
            try await h.call(.post, h.simBase + "/_sim/faults", json: [
                "rate_limit_burst": ["seconds": Self.longRetryAfter, "retry_after_seconds": Self.longRetryAfter], "fall_asleep_after_seconds": NSNull(),
            ], expect: 200)
            try await h.app.pool.execute("UPDATE vehicle_states SET next_sample_at = now(), sample_lease_until = NULL WHERE sample_until IS NOT NULL")
            #expect(try await h.sampler.sampleOnce() > 0)
            // Persisted: Smartcar's per-vehicle limit holds the vehicle; a Tesla 429 holds its account too.
            let held = try await h.app.pool.query(
                """
                SELECT v.vendor_vehicle_id, v.vendor, (SELECT extract(epoch FROM max(ph.held_until) - now()) FROM pacing_holds ph
                    WHERE (ph.scope = 'vehicle' AND ph.id = v.id) OR (ph.scope = 'account' AND ph.id = v.account_id))::float8 AS left
                FROM vehicles v
                """)
            var heldLeft: [String: Double] = [:]
            for row in held { heldLeft[try row.decode(String.self, column: "vendor_vehicle_id")] = try row.decode(Double?.self, column: "left") }
            for id in curtailed {
                let left = try #require(heldLeft[id], "\(id) was sampled into a 429 but is not held")
                #expect(left > Double(Self.longRetryAfter) - 60 && left <= Double(Self.longRetryAfter) + 1, "\(id) held for \(left) s")
            }
            #expect(try await count(h, "SELECT count(*)::int AS n FROM pacing_holds WHERE scope = 'account'") > 0, "no Tesla account was held")

            // The vendor would answer now: any request sent before the hold's end would go through and show.
            try await h.call(.post, h.simBase + "/_sim/faults", json: ["fall_asleep_after_seconds": NSNull()], expect: 200)
            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            #expect(try await pending(h) == curtailed)
            let commandsBefore = try await count(h, "SELECT count(*)::int AS n FROM vehicle_commands")

            // This process's worker: its Pacer holds every vehicle for 600 s. It must not sleep on that.
            let started = ContinuousClock.now
            let handled = try await h.reconciler.reconcileOnce()
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(Self.longRetryAfter / 4), "the worker waited \(elapsed) on a \(Self.longRetryAfter) s hold")
            #expect(handled == 0, "held vehicles were claimed")
            // Released until the hold's end, and saying so: no process spins on them meanwhile.
            try await expectReleasedUntilTheHoldsEnd(h, heldLeft, slack: 60)

            // A second process: fresh Pacer, and every restore due now; the persisted hold alone keeps it off.
            try await h.app.pool.execute("UPDATE vehicle_states SET next_attempt_at = now() WHERE desired <> applied")
            let (other, otherPool) = h.makeReconciler(processName: "other-process", batchSize: 256)
            #expect(try await other.reconcileOnce() == 0, "the second process claimed held vehicles")
            await otherPool.close()
            try await expectReleasedUntilTheHoldsEnd(h, heldLeft, slack: 60)
            #expect(try await count(h, "SELECT count(*)::int AS n FROM vehicle_commands") == commandsBefore, "a held vehicle was commanded")
            #expect(try await pending(h) == curtailed)

            // The hold's end comes (as the database says, and with it the vehicles' due time; the first process still
            // remembers 600 s): the restores go through.
            try await h.app.pool.execute("UPDATE pacing_holds SET held_until = now()")
            try await h.app.pool.execute("UPDATE vehicle_states SET next_attempt_at = now() WHERE desired <> applied")
            try await h.reconcileUntilIdle()
            #expect(try await pending(h).isEmpty)
            try await h.expectRestored(to: before)
        }
    }

    /// A wait on the process's own budget (here one Tesla command every ten minutes) beyond the bound releases the
    /// claim until the token is due, saying so, instead of sleeping in the lease; and a vehicle whose command is
    /// pending is not sampled (the command needs the budget more).
    @Test func aBudgetWaitBeyondTheBound_ReleasesTheClaimUntilTheTokenIsDue_AndThePendingVehicleIsNotSampled() async throws {
        let slowCommands = PacingLimits(budgets: ["tesla": VendorBudget(perVehicleByKind: [.command: 0.1])])
        try await EngineHarness.with(vehicles: 30, seed: 5, simulatorLimits: .unlimited, pacing: slowCommands) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "pb", operatorToken: operatorToken)
            let eventID = try await h.postEvent(utilityToken: utility, group: "pb", payload: ["type": "SIMPLE", "values": [3]])
            try await h.settle()
            // Teslas stopped by a command (those found idle were applied with nothing to restore: no command).
            let stoppedTeslas = try await count(
                h,
                """
                SELECT count(*)::int AS n FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                WHERE v.vendor = 'tesla' AND s.applied <> 'normal' AND s.prior_charging
                """)
            try #require(stoppedTeslas > 0, "no Tesla was curtailed")
            // Their one token went on the stop; the restore's first command is ten minutes away.
            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            let started = ContinuousClock.now
            try await h.reconcileUntilIdle()
            #expect(ContinuousClock.now - started < .seconds(150), "the worker slept on its budget")
            let rows = try await h.app.pool.query(
                """
                SELECT extract(epoch FROM s.next_attempt_at - now())::float8 AS due_in, s.last_error, s.attempts, s.lease_owner
                FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE v.vendor = 'tesla' AND s.desired <> s.applied
                """)
            #expect(rows.count == stoppedTeslas)
            for row in rows {
                let dueIn = try row.decode(Double.self, column: "due_in")
                let lastError = try row.decode(String?.self, column: "last_error") ?? ""
                #expect(dueIn > 300 && dueIn <= 601, "released for \(dueIn) s")
                #expect(lastError.hasPrefix("rate-limited until ") && lastError.hasSuffix("(pacing budget)"), "\(lastError)")
                #expect(try row.decode(Int.self, column: "attempts") == 0, "a deferral counted as a failed attempt")
                #expect(try row.decode(String?.self, column: "lease_owner") == nil)
            }
            // The sampler leaves them alone while their restore is pending (it still samples the others): every
            // vehicle is due for a sample, and the pending ones' last sample is marked an hour old.
            try await h.app.pool.execute(
                """
                UPDATE vehicle_states SET next_sample_at = now(), sample_until = now() + interval '1 hour', sample_lease_until = NULL,
                    sampled_at = CASE WHEN desired <> applied THEN now() - interval '1 hour' ELSE sampled_at END
                """)
            let sampled = try await count(h, "SELECT count(*)::int AS n FROM vehicle_states WHERE desired = applied")
            #expect(try await h.sampler.sampleOnce() == sampled, "the others were not sampled")
            let sampledPending = try await count(
                h, "SELECT count(*)::int AS n FROM vehicle_states WHERE desired <> applied AND sampled_at > now() - interval '30 minutes'")
            #expect(sampledPending == 0, "a vehicle with a pending restore was sampled")
        }
    }
}
