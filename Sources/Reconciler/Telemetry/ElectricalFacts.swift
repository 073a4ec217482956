import Postgres
import Vendors

/// A vehicle's supply as its vendor reports it: voltage, phases and the most amps it may be set to. Tesla's
/// `vehicle_data` carries all three while the car charges on AC; Smartcar reports none (smartcar.md §4).
///
/// Learned facts replace the schema's defaults in `vehicles` (`electrical_source` becomes `vendor`, migration 0008),
/// so the planner budgets the car at what it really draws rather than at the conservative bound it gives a car whose
/// facts nobody confirmed. An operator's facts are never overwritten.
struct ElectricalFacts: Sendable, Equatable {
    let vehicleID: String
    let voltage: Int
    let phases: Int
    let maxAmps: Int

    /// The facts in `state`, when it has all three within the registry's limits (the CHECKs of migration 0002). A
    /// plugged-in car that is not charging reads 1–2 V, and a DC fast charge reports no phases: neither says anything.
    init?(vehicleID: String, _ state: ChargeState) {
        guard let voltage = state.voltage.map({ Int($0.rounded()) }), (100...1000).contains(voltage),
            let phases = state.phases, [1, 2, 3].contains(phases),
            let maxAmps = state.maxAmps, (1...200).contains(maxAmps)
        else { return nil }
        (self.vehicleID, self.voltage, self.phases, self.maxAmps) = (vehicleID, voltage, phases, maxAmps)
    }

    /// Records what `states` say about their vehicles' supply, in one statement; nothing when they say nothing.
    /// A row is written only when a fact changed (the voltage by more than 5 %), so a fleet sampled every minute
    /// does not rewrite `vehicles`.
    static func learn(from states: [(vehicleID: String, state: ChargeState)], pool: PostgresPool) async throws {
        let facts = states.compactMap { ElectricalFacts(vehicleID: $0.vehicleID, $0.state) }
        guard !facts.isEmpty else { return }
        try await pool.execute(
            """
            UPDATE vehicles v SET voltage = f.voltage, phases = f.phases, max_amps = greatest(f.max_amps, v.min_amps),
                electrical_source = 'vendor', updated_at = now()
            FROM unnest(\(facts.map(\.vehicleID))::uuid[], \(facts.map(\.voltage))::int[], \(facts.map(\.phases))::int[],
                        \(facts.map(\.maxAmps))::int[]) AS f(vehicle_id, voltage, phases, max_amps)
            WHERE v.id = f.vehicle_id AND v.electrical_source <> 'operator'
              AND (v.electrical_source = 'assumed' OR v.phases <> f.phases OR v.max_amps <> greatest(f.max_amps, v.min_amps)
                   -- A measured voltage wanders by a few volts from reading to reading: only a real change is news.
                   OR abs(v.voltage - f.voltage) > v.voltage * 0.05)
            """)
    }
}
