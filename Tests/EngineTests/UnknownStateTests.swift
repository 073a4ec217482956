import API
import Foundation
import HTTP
import Postgres
import Reconciler
import Testing

/// A SIMPLE stop posted with no telemetry yet: the reconciler's capture read decides, and never wakes a car for it.
@Suite(.serialized) struct UnknownStateTests {
    @Test func sleepingTeslas_AreLeftAlone_NeverWoken_AndReleasedAtTheNextPass() async throws {
        try await EngineHarness.with(vehicles: 30) { h in
            let operatorToken = try await h.token([.fleetRead, .fleetWrite, .readAll])
            let utility = try await h.token([.readAll, .writePrograms, .writeEvents])
            try await h.enrollAll(group: "u", operatorToken: operatorToken)
            _ = try await h.postEvent(utilityToken: utility, group: "u", payload: ["type": "SIMPLE", "values": [3]])
            try await h.scheduler.planOnce(now: Date())
            // Idle Teslas the plan targets (not the control group's), put to sleep before the reconciler reads them.
            let targeted = Set(
                try await h.app.pool.query(
                    "SELECT v.vendor_vehicle_id FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.desired = 'stopped'"
                ).map { try $0.decode(String.self, column: "vendor_vehicle_id") })
            let sleepers = try await h.simVehicles().filter { $0.vendor == "tesla" && !$0.charging && targeted.contains($0.id) }.prefix(3).map(\.id)
            try #require(!sleepers.isEmpty)
            for id in sleepers { try await h.call(.patch, h.simBase + "/_sim/vehicles/\(id)", json: ["asleep": true], expect: 200) }
            try await h.reconcileUntilIdle()

            let wakes = try await h.app.pool.query("SELECT count(*)::int AS n FROM vehicle_commands WHERE command = 'wake'")
            #expect(try wakes.first?.decode(Int.self, column: "n") == 0, "a car was woken for a stop")
            for id in sleepers {
                let log = try await h.app.pool.query(
                    """
                    SELECT string_agg(c.command || '=' || c.outcome || coalesce('(' || c.reason || ')', ''), ', ' ORDER BY c.id) AS log
                    FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE v.vendor_vehicle_id = \(id)
                    """)
                let text = try log.first?.decode(String?.self, column: "log") ?? ""
                let state = try await h.app.pool.query(
                    """
                    SELECT s.desired || '/' || s.applied || '/' || coalesce(s.last_error, '-') || '/' || coalesce(s.lease_owner, '-')
                           || '/' || coalesce(s.charging::text, '?') AS state
                    FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id WHERE v.vendor_vehicle_id = \(id)
                    """)
                let stateText = try state.first?.decode(String.self, column: "state") ?? "no state"
                #expect(text.contains("capture=asleep") && text.contains("none=already(asleep)"), "\(id): \(text) [\(stateText)]")
                #expect(!text.contains("stop_charging"), "\(id) was commanded: \(text)")
                let sim = try #require(try await h.call(.get, h.simBase + "/_sim/vehicles/\(id)", expect: 200) as? [String: Any])
                #expect(sim["asleep"] as? Bool == true, "\(id) was woken")
            }

            // The next pass sees they were not charging and releases them, with no vendor request.
            try await h.scheduler.planOnce(now: Date())
            try await h.reconcileUntilIdle()
            let released = try await h.app.pool.query(
                """
                SELECT count(*)::int AS n FROM vehicle_states s JOIN vehicles v ON v.id = s.vehicle_id
                WHERE v.vendor_vehicle_id = ANY(\(sleepers)::text[]) AND s.desired = 'normal' AND s.applied = 'normal' AND s.captured_at IS NULL
                """)
            #expect(try released.first?.decode(Int.self, column: "n") == sleepers.count)
            let requests = try await h.app.pool.query(
                """
                SELECT count(*)::int AS n FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id
                WHERE v.vendor_vehicle_id = ANY(\(sleepers)::text[]) AND c.command NOT IN ('none')
                """)
            #expect(try requests.first?.decode(Int.self, column: "n") == sleepers.count, "one read per sleeping car, nothing else")
        }
    }
}
