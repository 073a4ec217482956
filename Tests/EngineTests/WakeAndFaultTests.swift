import API
import Foundation
import HTTP
import Postgres
import Reconciler
import Reports
import Testing
import Vendors

@Suite(.serialized) struct WakeAndFaultTests {
    /// Billable wake-ups per simulated account (Tesla bills them ten times a command).
    func wakesByAccount(_ h: EngineHarness) async throws -> [String: (wakes: Int, vehicles: [String])] {
        let accounts = try #require(try await h.call(.get, h.simBase + "/_sim/accounts", expect: 200) as? [[String: Any]])
        var result: [String: (wakes: Int, vehicles: [String])] = [:]
        for account in accounts {
            let billable = account["billable"] as? [String: Any]
            result[try #require(account["id"] as? String)] = (billable?["wakes"] as? Int ?? 0, account["vehicle_ids"] as? [String] ?? [])
        }
        return result
    }

    func vehicleKey(_ h: EngineHarness, vendorID: String) async throws -> String {
        let rows = try await h.app.pool.query("SELECT id::text AS id FROM vehicles WHERE vendor_vehicle_id = \(vendorID)")
        return try #require(try rows.first?.decode(String.self, column: "id"))
    }

    /// Polls the simulator until `condition` holds for the vehicle, for at most `seconds`.
    func waitForSim(_ h: EngineHarness, _ id: String, seconds: Double = 20, _ condition: (EngineHarness.SimVehicle) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let vehicle = try await h.simVehicles().first(where: { $0.id == id }), condition(vehicle) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(id): condition not met within \(seconds) s")
    }

    @Test func asleepTeslaIsWokenThenCommanded_AndChargingVehiclesAreNeverWoken() async throws {
        try await EngineHarness.with(vehicles: 60, seed: 11) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "w", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            let wakesBefore = try await wakesByAccount(h)
            let eventID = try await h.postEvent(utilityToken: utility, group: "w", payload: ["type": "SIMPLE", "values": [3]])
            try await h.settle()
            // Curtailing stopped charging vehicles, all awake: not one wake-up.
            let curtailWakes = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_commands WHERE command = 'wake'")
            #expect(try curtailWakes.first?.decode(Int.self, column: "n") == 0)

            // A stopped Tesla, idle now, falls asleep before the event ends; its restore needs it awake.
            let stopped = try await h.app.pool.query(
                """
                SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                WHERE s.applied = 'stopped' AND s.prior_charging AND v.vendor = 'tesla' ORDER BY v.vendor_vehicle_id LIMIT 1
                """)
            let sleeper = try #require(try stopped.first?.decode(String.self, column: "vendor_vehicle_id"), "no Tesla was stopped")
            let sleeperKey = try await vehicleKey(h, vendorID: sleeper)
            try await h.call(.patch, h.simBase + "/_sim/vehicles/\(sleeper)", json: ["asleep": true], expect: 200)

            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            try await h.reconcileUntilIdle()
            // The first try met a sleeping car: the engine woke it and will retry once it had time to come online.
            let wake = try await h.app.pool.query(
                "SELECT count(*)::int AS n FROM vehicle_commands WHERE vehicle_id = \(sleeperKey)::uuid AND command = 'wake' AND outcome = 'done'")
            #expect(try wake.first?.decode(Int.self, column: "n") ?? 0 >= 1)
            try await waitForSim(h, sleeper) { !$0.asleep }
            // The engine gives a woken car 10 s; the simulator's wakes take 1 s and this one is online: due now.
            try await h.app.pool.execute("UPDATE vehicle_states SET next_attempt_at = now() WHERE vehicle_id = \(sleeperKey)::uuid")
            try await h.reconcileUntilIdle()

            // In order: the command met a sleeping car, the car was woken, then the restore's commands went through.
            let log = try await h.app.pool.query(
                """
                SELECT c.command || '=' || c.outcome AS entry FROM vehicle_commands c JOIN vehicle_states s ON s.vehicle_id = c.vehicle_id
                WHERE c.vehicle_id = \(sleeperKey)::uuid AND split_part(c.command_key, ':', 2)::bigint = s.generation ORDER BY c.id
                """
            ).map { try $0.decode(String.self, column: "entry") }
            let firstWake = try #require(log.firstIndex(of: "wake=done"), "restore log: \(log)")
            #expect(log[..<firstWake].last?.hasSuffix("=asleep") == true, "restore log: \(log)")
            #expect(log.last?.hasSuffix(":start_charging=done") == true, "restore log: \(log)")
            let state = try await h.app.pool.query("SELECT desired, applied FROM vehicle_states WHERE vehicle_id = \(sleeperKey)::uuid")
            #expect(try state.first?.decode(String.self, column: "applied") == "normal")
            try await h.expectRestored(to: before)

            // Vendor request counts: the only wake-ups billed are the sleeper's, one per wake the engine recorded.
            let wakesAfter = try await wakesByAccount(h)
            let recorded = try await h.app.pool.query(
                "SELECT count(*) FILTER (WHERE vehicle_id = \(sleeperKey)::uuid)::int AS mine, count(*)::int AS total FROM vehicle_commands WHERE command = 'wake'")
            let mine = try #require(try recorded.first?.decode(Int.self, column: "mine"))
            #expect(try recorded.first?.decode(Int.self, column: "total") == mine, "a vehicle other than the sleeper was woken")
            for (account, after) in wakesAfter {
                let billed = after.wakes - (wakesBefore[account]?.wakes ?? 0)
                if after.vehicles.contains(sleeper) {
                    #expect(billed == mine && billed >= 1, "sleeper's account billed \(billed) wakes, engine recorded \(mine)")
                } else {
                    #expect(billed == 0, "account \(account) billed \(billed) wake-ups")
                }
            }
        }
    }

    /// Timeouts, dropped connections and 5xx while curtailing, then a 429 burst while restoring: every reachable
    /// vehicle ends where it should, the unreachable one is reported with a reason, and Retry-After is waited out.
    @Test func timeoutsDropsAnd429Bursts_EndWithReachableVehiclesInTheirDesiredState_AndRetryAfterHonoured() async throws {
        let shortTimeouts = VendorTimeouts(data: .seconds(1), command: .seconds(1), token: .seconds(10))
        try await EngineHarness.with(vehicles: 60, seed: 3, simulatorLimits: .unlimited, pacing: .unlimited, vendorTimeouts: shortTimeouts) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "tf", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            let eventID = try await h.postEvent(utilityToken: utility, group: "tf", payload: ["type": "SIMPLE", "values": [3]])
            // The fleet is known before the faults start, so the planner targets the vehicle that then goes out of reach.
            try await h.scheduler.planOnce(now: Date())
            // A Smartcar vehicle the plan targets (not held back as a control, not one its vendor forbids stopping)
            // that was charging: out of reach, it fails as such. (An unreachable Tesla answers 408 like a sleeping
            // one, and a sleeping car is not charging: with its state unknown, the capture read leaves it alone.)
            let targeted = Set(
                try await h.app.pool.query(
                    """
                    SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                    WHERE s.desired = 'stopped' AND v.vendor = 'smartcar'
                    """
                ).map { try $0.decode(String.self, column: "vendor_vehicle_id") })
            let unreachable = try #require(before.first { $0.charging && targeted.contains($0.id) }, "no charging Smartcar was targeted")
            let unreachableKey = try await vehicleKey(h, vendorID: unreachable.id)
            _ = try await h.sampler.sampleOnce()
            // Held requests outlive the engine's 1 s deadline: the engine sees timeouts, not answers. First a round
            // in which every request times out (so timeouts are surely met), then a mix of every fault.
            try await h.call(.post, h.simBase + "/_sim/faults", json: [
                "timeout_rate": 1, "timeout_seconds": 3, "unreachable_vehicles": [unreachable.id], "fall_asleep_after_seconds": NSNull(),
            ], expect: 200)
            try await h.scheduler.planOnce(now: Date())
            try await h.reconcileUntilIdle()
            try await h.call(.post, h.simBase + "/_sim/faults", json: [
                "timeout_rate": 0.1, "timeout_seconds": 3, "error_rates": ["503": 0.05], "drop_rate": 0.05, "fall_asleep_after_seconds": NSNull(),
            ], expect: 200)
            // A vehicle needs about two requests per attempt: at 20 % faults a reachable one fails eight attempts in
            // a row once in ~3,000, so only the unreachable one should end there.
            // Retries are paced by backoff: make every failed vehicle due again and reconcile, enough rounds to reach
            // the attempts after which a vehicle counts as unreachable.
            for _ in 0..<9 {
                try await h.scheduler.planOnce(now: Date())
                try await h.app.pool.execute("UPDATE vehicle_states SET next_attempt_at = now() WHERE desired <> applied")
                try await h.reconcileUntilIdle()
            }
            let timeouts = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_commands WHERE reason = 'transport: timeout'")
            if try timeouts.first?.decode(Int.self, column: "n") ?? 0 == 0 {
                let reasons = try await h.app.pool.query(
                    "SELECT coalesce(reason, outcome) AS reason, count(*)::int AS n FROM vehicle_commands GROUP BY 1 ORDER BY 2 DESC")
                Issue.record("no request timed out: the fault was not exercised; outcomes: \(try reasons.map { "\(try $0.decode(String.self, column: "reason"))=\(try $0.decode(Int.self, column: "n"))" })")
            }
            let sim = Dictionary(uniqueKeysWithValues: try await h.simVehicles().map { ($0.id, $0) })
            let rows = try await h.app.pool.query(
                """
                SELECT v.vendor_vehicle_id, s.desired, s.applied, s.last_error, s.unreachable FROM vehicle_states s
                JOIN vehicles v ON v.id = s.vehicle_id WHERE s.desired <> 'normal'
                """)
            var stopped = 0
            for row in rows {
                let id = try row.decode(String.self, column: "vendor_vehicle_id")
                if id == unreachable.id {
                    #expect(try row.decode(String.self, column: "applied") == "normal")
                    #expect(try row.decode(String?.self, column: "last_error") != nil, "unreachable vehicle has no reason")
                    #expect(try row.decode(Bool.self, column: "unreachable"))
                } else {
                    let applied = try row.decode(String.self, column: "applied"), desired = try row.decode(String.self, column: "desired")
                    let lastError = try row.decode(String?.self, column: "last_error") ?? ""
                    #expect(applied == desired, "\(id) not in its desired state: \(lastError)")
                    #expect(sim[id]?.charging == false, "\(id) still charging")
                    stopped += 1
                }
            }
            #expect(stopped > 0)
            // The event's report names it unreachable. Measuring is the report publisher's job (it does not run in
            // this harness): measure now, as `curtail reports refresh` would.
            _ = try await ReportStore(pool: h.app.pool).refresh(eventID: eventID, maxAge: 0)
            let report = try #require(
                try await h.call(.get, h.apiBase + "/v1/events/\(eventID)/vehicles?state=unreachable", token: operatorToken, expect: 200)
                    as? [[String: Any]])
            let measured = try await h.app.pool.query(
                "SELECT string_agg(m.interval_index || ':' || m.target || ':' || m.state, ', ') AS s FROM interval_measurements m WHERE m.vehicle_id = \(unreachableKey)::uuid")
            let commands = try await h.app.pool.query(
                "SELECT string_agg(c.command || '=' || c.outcome || '#' || c.attempt, ', ' ORDER BY c.id) AS s FROM vehicle_commands c WHERE c.vehicle_id = \(unreachableKey)::uuid")
            let measuredText = try measured.first?.decode(String?.self, column: "s") ?? "none"
            let commandsText = try commands.first?.decode(String?.self, column: "s") ?? "none"
            #expect(report.map { $0["vendor_vehicle_id"] as? String } == [unreachable.id], "measured: \(measuredText); commands: \(commandsText)")

            // Restore under a 429 burst: every vendor request is refused for 3 s, Retry-After the rest of the burst.
            try await h.call(.post, h.simBase + "/_sim/faults", json: [
                "rate_limit_burst": ["seconds": 3, "retry_after_seconds": 5], "fall_asleep_after_seconds": NSNull(),
            ], expect: 200)
            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            // No nudging of due times now: the engine's own Retry-After handling must bring them back.
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                try await h.reconciler.reconcileOnce()
                let pending = try await h.app.pool.query(
                    "SELECT count(*)::int AS n FROM vehicle_states WHERE desired <> applied AND vehicle_id <> \(unreachableKey)::uuid")
                if try pending.first?.decode(Int.self, column: "n") == 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await h.expectRestored(to: before)

            // Every 429 was waited out. The simulator's Retry-After is the rest of the burst (rounded up, at least 1 s),
            // so a client that honours it retries after the burst: each vehicle meets exactly one 429, and its next
            // request comes at least a second later.
            let gaps = try await h.app.pool.query(
                """
                SELECT c.vehicle_id::text AS vehicle, count(*) OVER (PARTITION BY c.vehicle_id)::int AS refusals, extract(epoch FROM (
                    SELECT min(n.created_at) FROM vehicle_commands n WHERE n.vehicle_id = c.vehicle_id AND n.created_at > c.created_at
                ) - c.created_at)::float8 AS gap
                FROM vehicle_commands c WHERE c.outcome = 'rate_limited'
                """)
            #expect(!gaps.isEmpty, "no request met the burst: the fault was not exercised")
            for row in gaps {
                let gap = try row.decode(Double?.self, column: "gap"), vehicle = try row.decode(String.self, column: "vehicle")
                let refusals = try row.decode(Int.self, column: "refusals")
                #expect(refusals == 1, "\(vehicle) met \(refusals) 429s: it retried before Retry-After")
                #expect(gap != nil, "\(vehicle) never retried after a 429")
                #expect(gap ?? 0 >= 1, "\(vehicle) retried \(gap ?? 0) s after a 429")
            }
        }
    }
}
