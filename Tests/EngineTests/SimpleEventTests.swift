import API
import Foundation
import HTTP
import Postgres
import Reconciler
import Testing

@Suite(.serialized) struct SimpleEventTests {
    @Test func simpleLevel3_StopsChargingVehicles_AndCancellationRestoresEveryOneExactly() async throws {
        try await EngineHarness.with(vehicles: 200) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite, .readAll])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "g1", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            let chargingBefore = before.filter(\.charging)
            try #require(!chargingBefore.isEmpty)

            let eventID = try await h.postEvent(utilityToken: utility, group: "g1", payload: ["type": "SIMPLE", "values": [3]])
            // Nothing is known yet, but SIMPLE 3 needs no state: every vehicle is targeted at once and the
            // reconciler's capture read decides (charging ones are stopped, the rest left alone without a command).
            let pass = try await h.scheduler.planOnce(now: Date())
            #expect(pass.activeEvents == 1)
            #expect(pass.vehiclesPlanned == 200)
            // The sampler reads only the vehicles the planner could not target without state (e.g. a GM's SoC rule):
            // the reconciler reads the others itself.
            let untargeted = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_states WHERE desired = 'normal'")
            #expect(try await h.sampler.sampleOnce() == untargeted.first?.decode(Int.self, column: "n"))
            try await h.reconcileUntilIdle()
            // The next pass releases the vehicles the capture found not charging (no command needed).
            try await h.scheduler.planOnce(now: Date())
            try await h.reconcileUntilIdle()
            let notChargingBefore = Set(before.filter { !$0.charging }.map(\.id))
            let commanded = try await h.app.pool.query(
                """
                SELECT DISTINCT v.vendor_vehicle_id FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id
                WHERE c.command NOT IN ('capture', 'none')
                """)
            for row in commanded {
                let id = try row.decode(String.self, column: "vendor_vehicle_id")
                #expect(!notChargingBefore.contains(id), "\(id) was not charging and got a command")
            }

            let during = Dictionary(uniqueKeysWithValues: try await h.simVehicles().map { ($0.id, $0) })
            let states = try await h.app.pool.query(
                "SELECT v.vendor_vehicle_id, s.desired, s.applied, s.last_error FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id")
            var stopped = 0
            for row in states {
                let id = try row.decode(String.self, column: "vendor_vehicle_id")
                let desired = try row.decode(String.self, column: "desired")
                let applied = try row.decode(String.self, column: "applied")
                let lastError = try row.decode(String?.self, column: "last_error") ?? ""
                if desired == "stopped" {
                    #expect(applied == "stopped", "\(id): \(lastError)")
                    #expect(during[id]?.charging == false, "\(id) still charging")
                    stopped += 1
                }
            }
            #expect(stopped > 0)

            // Cancel: every vehicle goes back to exactly what it was doing.
            try await h.call(.delete, h.apiBase + "/openadr3/3.0.1/events/\(eventID)", token: utility, expect: 200)
            try await h.scheduler.planOnce(now: Date())
            try await h.reconcileUntilIdle()
            let after = Dictionary(uniqueKeysWithValues: try await h.simVehicles().map { ($0.id, $0) })
            for vehicle in before {
                let now = try #require(after[vehicle.id])
                if now.charging != vehicle.charging || (vehicle.charging && now.amps != vehicle.amps) {
                    let log = try await h.app.pool.query(
                        """
                        SELECT string_agg(c.command || '=' || c.outcome || coalesce('(' || c.reason || ')', ''), ', ' ORDER BY c.id) AS log
                        FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.vendor_vehicle_id = \(vehicle.id)
                        """)
                    Issue.record("\(vehicle.id) \(vehicle.vendor) \(vehicle.make): \(try log.first?.decode(String?.self, column: "log") ?? "no commands")")
                }
                #expect(now.charging == vehicle.charging, "\(vehicle.id) charging \(vehicle.charging) → \(now.charging)")
                #expect(now.amps == vehicle.amps || !vehicle.charging, "\(vehicle.id) amps \(vehicle.amps) → \(now.amps)")
                #expect(now.charge_limit == vehicle.charge_limit, "\(vehicle.id) limit")
            }
        }
    }

    /// The must-show case: 200 vehicles, the event ends on its own (no cancellation), every vehicle back to exactly
    /// what it was doing (charging or not, amps, charge limit), read from the simulator.
    @Test func simpleLevel3_On200Vehicles_EndsByTime_AndRestoresEveryOneExactly() async throws {
        try await EngineHarness.with(vehicles: 200, seed: 17) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite, .readAll])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "g200", operatorToken: operatorToken)
            let before = try await h.simVehicles()
            try #require(before.count == 200)

            let eventID = try await h.postEvent(utilityToken: utility, group: "g200", payload: ["type": "SIMPLE", "values": [3]], duration: "PT20S")
            try await h.settle()
            let states = try await h.app.pool.query(
                "SELECT v.vendor_vehicle_id, s.desired, s.applied, s.last_error FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id")
            let during = Dictionary(uniqueKeysWithValues: try await h.simVehicles().map { ($0.id, $0) })
            var stopped = 0
            for row in states where try row.decode(String.self, column: "desired") == "stopped" {
                let id = try row.decode(String.self, column: "vendor_vehicle_id")
                let applied = try row.decode(String.self, column: "applied"), lastError = try row.decode(String?.self, column: "last_error") ?? ""
                #expect(applied == "stopped", "\(id): \(lastError)")
                #expect(during[id]?.charging == false, "\(id) still charging")
                stopped += 1
            }
            // Most of the charging fleet is stopped (the control group and vehicles that may not be stopped are not).
            #expect(stopped > before.filter(\.charging).count / 2, "\(stopped) stopped of \(before.filter(\.charging).count) charging")

            // The event ends: a scheduler pass just after its end, without waiting 20 s for it.
            let ends = try await h.app.pool.query("SELECT ends_at FROM events WHERE id = \(eventID)")
            let endsAt = try #require(try ends.first?.decode(Date.self, column: "ends_at"))
            let pass = try await h.scheduler.planOnce(now: endsAt.addingTimeInterval(1))
            #expect(pass.activeEvents == 0)
            #expect(pass.desiredChanged >= stopped)
            // The pass ran at an instant the database's clock has not reached, so its restores (spread 0) fall due
            // then: bring that instant to now, as the passage of those seconds would.
            try await h.app.pool.execute("UPDATE vehicle_states SET next_attempt_at = now() WHERE desired <> applied AND next_attempt_at > now()")
            try await h.reconcileUntilIdle()

            let left = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_states WHERE desired <> 'normal' OR applied <> 'normal' OR captured_at IS NOT NULL")
            #expect(try left.first?.decode(Int.self, column: "n") == 0)
            try await h.expectRestored(to: before)
        }
    }
}
