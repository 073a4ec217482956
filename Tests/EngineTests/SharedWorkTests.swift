import API
import Foundation
import HTTP
import Postgres
import Reconciler
import Testing

/// Two Curtail processes on one database: each has its own reconciler (name, pacer, connection pool), neither
/// leads, and they share an event's work through `FOR UPDATE SKIP LOCKED` and leases.
@Suite(.serialized) struct SharedWorkTests {
    /// Reconciles until this worker finds nothing due; returns how many vehicles it handled.
    static func drain(_ worker: ReconcilerWorker) async throws -> Int {
        var handled = 0
        while true {
            let n = try await worker.reconcileOnce()
            if n == 0 { return handled }
            handled += n
        }
    }

    /// Both workers at once, on separate tasks.
    static func drainConcurrently(_ a: ReconcilerWorker, _ b: ReconcilerWorker) async throws -> (Int, Int) {
        async let first = drain(a)
        async let second = drain(b)
        return try await (first, second)
    }

    /// Vendor commands per process for `eventID`, and every (vehicle, generation) whose commands came from more than
    /// one process, and every command key (vehicle, generation, step) that was sent more than once.
    func sharing(_ h: EngineHarness, eventID: String) async throws -> (byProcess: [String: Int], mixed: Int, repeated: Int) {
        var byProcess: [String: Int] = [:]
        for row in try await h.app.pool.query(
            "SELECT process, count(*)::int AS n FROM vehicle_commands WHERE event_id = \(eventID) AND command ~ '^[0-9]+:' GROUP BY 1")
        {
            byProcess[try row.decode(String.self, column: "process")] = try row.decode(Int.self, column: "n")
        }
        let mixed = try await h.app.pool.query(
            """
            SELECT count(*)::int AS n FROM (SELECT vehicle_id, split_part(command_key, ':', 2) FROM vehicle_commands
            GROUP BY 1, 2 HAVING count(DISTINCT process) > 1) m
            """)
        let repeated = try await h.app.pool.query(
            "SELECT count(*)::int AS n FROM (SELECT command_key FROM vehicle_commands GROUP BY 1 HAVING count(*) > 1) r")
        return (byProcess, try mixed.first?.decode(Int.self, column: "n") ?? -1, try repeated.first?.decode(Int.self, column: "n") ?? -1)
    }

    /// Tesla bills every command: the simulator's count must equal the commands the two processes recorded.
    func teslaCommandsBilled(_ h: EngineHarness) async throws -> Int {
        let accounts = try #require(try await h.call(.get, h.simBase + "/_sim/accounts?vendor=tesla", expect: 200) as? [[String: Any]])
        return accounts.reduce(0) { $0 + (($1["billable"] as? [String: Any])?["commands"] as? Int ?? 0) }
    }

    func teslaCommandsRecorded(_ h: EngineHarness) async throws -> Int {
        let rows = try await h.app.pool.query(
            "SELECT count(*)::int AS n FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.vendor = 'tesla' AND c.command ~ '^[0-9]+:'")
        return try rows.first?.decode(Int.self, column: "n") ?? -1
    }

    @Test func twoProcessesOnOneDatabase_ShareAnEventsWork_AndNoVehicleIsCommandedTwice() async throws {
        try await EngineHarness.with(vehicles: 200, seed: 23) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "two", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            let billedBefore = try await teslaCommandsBilled(h)
            // A little vendor latency, as in life, so both processes are busy at the same time.
            try await h.call(.post, h.simBase + "/_sim/faults", json: ["latency": "20ms±10ms", "fall_asleep_after_seconds": NSNull()], expect: 200)
            let (a, poolA) = h.makeReconciler(processName: "server-a", batchSize: 8)
            let (b, poolB) = h.makeReconciler(processName: "server-b", batchSize: 8)

            let eventID = try await h.postEvent(utilityToken: utility, group: "two", payload: ["type": "SIMPLE", "values": [3]])
            try await h.scheduler.planOnce(now: Date())
            _ = try await h.sampler.sampleOnce()
            try await h.scheduler.planOnce(now: Date())
            let (curtailedByA, curtailedByB) = try await Self.drainConcurrently(a, b)
            let pending = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_states WHERE desired <> applied")
            #expect(try pending.first?.decode(Int.self, column: "n") == 0)
            let during = try await sharing(h, eventID: eventID)
            #expect(curtailedByA > 0 && curtailedByB > 0, "work split \(curtailedByA) / \(curtailedByB)")
            #expect(during.byProcess["server-a"] ?? 0 > 0 && during.byProcess["server-b"] ?? 0 > 0, "commands by process: \(during.byProcess)")
            #expect(during.mixed == 0, "\(during.mixed) vehicle generations commanded by both processes")
            #expect(during.repeated == 0, "\(during.repeated) commands sent twice")

            // The restore, shared the same way.
            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            let (restoredByA, restoredByB) = try await Self.drainConcurrently(a, b)
            #expect(restoredByA > 0 && restoredByB > 0, "restore split \(restoredByA) / \(restoredByB)")
            let after = try await sharing(h, eventID: eventID)
            #expect(after.mixed == 0, "\(after.mixed) vehicle generations commanded by both processes")
            #expect(after.repeated == 0, "\(after.repeated) commands sent twice")
            try await h.expectRestored(to: before)
            // Nothing was sent that was not recorded once: the vendor billed exactly the recorded commands.
            #expect(try await teslaCommandsBilled(h) - billedBefore == (try await teslaCommandsRecorded(h)))
            await poolA.close()
            await poolB.close()
        }
    }
}
