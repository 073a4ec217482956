import Foundation
import Logging
import OpenADR
import Planner
import Postgres

/// Derives every vehicle's desired charging state from the events in force, driver preferences and vendor facts,
/// and writes it to `vehicle_states` (the reconcile queue). It never talks to a vehicle.
///
/// One pass (``planOnce(now:)``) is a pure function of the database at `now`, so running it again changes nothing,
/// and any process may run it: passes are serialised by a transaction-scoped advisory lock, and a process that
/// finds the lock taken skips its pass (the holder is doing the same work).
public struct Scheduler: Sendable {
    /// How the scheduler runs.
    public struct Configuration: Sendable {
        /// Restores at an event's end or cancellation are spread uniformly over this long, so the fleet does not
        /// rebound at once. Opt-outs are never spread. Defaults to 10 minutes.
        public var restoreSpread: Duration
        /// A pass runs at least this often, to rebalance capacity limits on fresh telemetry. Defaults to 15 s.
        public var period: Duration
        /// Targeted vehicles are sampled from this long before an event starts (so the first plan has telemetry)
        /// until this long after it ends (to see the rebound). Defaults to 2 minutes and 30 minutes.
        public var samplingLead: Duration
        public var samplingTail: Duration
        public var policy: PlanningPolicy
        /// The hold-back share of eligible vehicles per event (`CURTAIL_CONTROL_SHARE`). Defaults to 5 %.
        public var controlGroup: ControlGroup

        public init(
            restoreSpread: Duration = .seconds(600), period: Duration = .seconds(15), samplingLead: Duration = .seconds(120),
            samplingTail: Duration = .seconds(1800), policy: PlanningPolicy = PlanningPolicy(),
            controlGroup: ControlGroup = ControlGroup(share: 0.05)
        ) {
            self.restoreSpread = restoreSpread
            self.period = period
            self.samplingLead = samplingLead
            self.samplingTail = samplingTail
            self.policy = policy
            self.controlGroup = controlGroup
        }
    }

    /// What one pass did.
    public struct PassSummary: Sendable, Equatable {
        public var ran: Bool
        public var activeEvents: Int
        public var vehiclesPlanned: Int
        public var desiredChanged: Int
        /// The next instant at which an interval starts or ends (a pass must run then).
        public var nextBoundary: Date?
    }

    /// Advisory locks are per database, not per schema: the key includes the schema, so two deployments sharing one
    /// database in different schemas (as the tests do) never skip each other's passes.
    static let lockName = "curtail.scheduler"
    public static let wakeChannel = "curtail_reconcile"
    public static let eventsChannel = "curtail_events"

    let pool: PostgresPool
    let configuration: Configuration
    let logger: Logger

    public init(pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "curtail.scheduler")) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs passes until cancelled: at every interval boundary, on every event change (NOTIFY), and at least every
    /// ``Configuration/period``.
    public func run() async {
        let changes = WakeSignal(try? await pool.listen(channel: Self.eventsChannel))
        var nextBoundary: Date?
        while !Task.isCancelled {
            do {
                let summary = try await planOnce(now: Date())
                nextBoundary = summary.nextBoundary
            } catch is CancellationError {
                return
            } catch {
                logger.error("scheduler pass failed", metadata: ["error": "\((error as? PostgresError).map { String(describing: $0) } ?? "\(type(of: error))")"])
            }
            var wait = configuration.period
            if let nextBoundary {
                let untilBoundary = nextBoundary.timeIntervalSinceNow
                if untilBoundary < Double(wait.components.seconds) { wait = .milliseconds(Int64(max(0, untilBoundary) * 1000) + 5) }
            }
            await changes.wait(timeout: wait)
        }
    }

    /// One scheduling pass at `now`.
    @discardableResult
    public func planOnce(now: Date) async throws -> PassSummary {
        let (summary, intervalPlans) = try await pool.withTransaction { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':' || \(Self.lockName))) AS locked")
            guard try locked.first?.decode(Bool.self, column: "locked") == true else {
                return (PassSummary(ran: false, activeEvents: 0, vehiclesPlanned: 0, desiredChanged: 0, nextBoundary: nil), [IntervalPlan]())
            }
            return try await plan(on: connection, now: now)
        }
        // The record of who each interval targeted is written after the desired state is committed: the reconciler
        // starts on the vehicles meanwhile (at 100,000 vehicles the upsert took seconds). If the process dies in
        // between, the next pass writes it; the upsert is idempotent.
        for intervalPlan in intervalPlans { try await recordIntervalPlan(intervalPlan) }
        return summary
    }

    /// One event interval's plans, to record in `interval_plans`.
    private struct IntervalPlan {
        let event: ActiveEvent
        let plans: [VehiclePlan]
    }

    private struct ActiveEvent {
        let id: String
        let programID: String
        let startsAt: Date
        let endsAt: Date
        let validated: ValidatedEvent
        let interval: ResolvedInterval
    }

    private struct Decision {
        var priority: Int
        var target: ChargingTarget
        var eventID: String
    }

    private func plan(on connection: PostgresConnection, now: Date) async throws -> (PassSummary, [IntervalPlan]) {
        let rows = try await connection.query(
            """
            SELECT id, program_id, starts_at, ends_at, object::text AS object FROM events
            WHERE cancelled_at IS NULL AND deleted_at IS NULL AND starts_at <= \(now) AND ends_at > \(now)
            ORDER BY id
            """)
        var active: [ActiveEvent] = []
        for row in rows {
            let id = try row.decode(String.self, column: "id")
            do {
                let event = try OpenADRJSON.decode(Event.self, from: Data(try row.decode(String.self, column: "object").utf8))
                // Stored events were validated on the way in; `distantPast` only skips the "already ended" rule.
                let validated = try event.validated(now: .distantPast)
                guard let interval = validated.activeInterval(at: now) else { continue }
                active.append(
                    ActiveEvent(
                        id: id, programID: try row.decode(String.self, column: "program_id"),
                        startsAt: try row.decode(Date.self, column: "starts_at"), endsAt: try row.decode(Date.self, column: "ends_at"),
                        validated: validated, interval: interval))
            } catch {
                logger.error("stored event cannot be planned", metadata: ["event_id": "\(id)"])
            }
        }

        try await markForSampling(now: now, on: connection)

        var decisions: [String: [Decision]] = [:]
        var intervalPlans: [IntervalPlan] = []
        var planned = 0
        for event in active {
            let vehicles = try await targetedVehicles(of: event.validated.event, programID: event.programID, on: connection)
            planned += vehicles.count
            let preferences = try await preferences(for: vehicles.map(\.snapshot.id), event: event, on: connection, now: now)
            // Several payloads in one interval: plan each, the most restrictive target per vehicle wins.
            var perVehicle: [String: VehiclePlan] = [:]
            // The control group is held back before planning: a capacity limit must count its draw, not share the
            // cap with it and then see it draw in full.
            let heldBack = Set(vehicles.map(\.snapshot.id).filter { configuration.controlGroup.contains(eventID: event.id, vehicleID: $0) })
            for request in event.interval.requests where request.isActionable {
                let fleetPlan = Planner.plan(
                    request: request, vehicles: vehicles.map(\.snapshot), preferences: preferences, now: now,
                    policy: configuration.policy, until: event.interval.end, heldBack: heldBack)
                if fleetPlan.shortfallKW > 0 {
                    // Load Curtail may not shed (vendor rules, the control group, unconfirmed supplies budgeted at
                    // their bound) exceeds the cap: every curtailable vehicle is at its deepest target.
                    logger.warning(
                        "capacity limit cannot be met",
                        metadata: [
                            "event_id": "\(event.id)", "interval": "\(event.interval.index)", "cap_kw": "\(fleetPlan.capKW ?? 0)",
                            "shortfall_kw": "\(fleetPlan.shortfallKW)",
                        ])
                }
                for vehiclePlan in fleetPlan.vehicles {
                    if let existing = perVehicle[vehiclePlan.vehicleID], !vehiclePlan.target.isMoreRestrictive(than: existing.target) { continue }
                    perVehicle[vehiclePlan.vehicleID] = vehiclePlan
                }
            }
            intervalPlans.append(IntervalPlan(event: event, plans: Array(perVehicle.values)))
            for (vehicleID, vehiclePlan) in perVehicle {
                decisions[vehicleID, default: []].append(
                    Decision(priority: event.validated.effectivePriority, target: vehiclePlan.target, eventID: event.id))
            }
        }

        // Combine overlapping events per vehicle; everything else not already normal goes back to normal.
        var desiredIDs: [String] = [], desiredTargets: [String] = [], desiredEvents: [String] = []
        for (vehicleID, list) in decisions {
            let target = Planner.combine(list.map { (priority: $0.priority, target: $0.target) })
            let winner = list.filter { $0.target == target }.min { $0.priority < $1.priority }
            desiredIDs.append(vehicleID)
            desiredTargets.append(target.storageValue)
            desiredEvents.append(target == .normal ? "" : winner?.eventID ?? "")
        }
        let spreadSeconds = Double(configuration.restoreSpread.components.seconds)
        let changedRows = try await connection.query(
            """
            WITH wanted AS (
                SELECT u.vehicle_id::uuid AS vehicle_id, u.target, NULLIF(u.event_id, '') AS event_id
                FROM unnest(\(desiredIDs)::text[], \(desiredTargets)::text[], \(desiredEvents)::text[]) AS u(vehicle_id, target, event_id)
            ),
            everything AS (
                -- A vehicle still planned by an active event (opted out, SIMPLE 0, no longer eligible) changes at
                -- once; one no event plans any more (the event ended or was cancelled) is a spread restore.
                SELECT s.vehicle_id, coalesce(w.target, 'normal') AS target, w.event_id, w.vehicle_id IS NOT NULL AS immediate
                FROM vehicle_states s LEFT JOIN wanted w ON w.vehicle_id = s.vehicle_id
                WHERE w.vehicle_id IS NOT NULL OR s.desired <> 'normal'
            ), changed AS (
            UPDATE vehicle_states s SET
                desired = e.target, desired_event_id = e.event_id, desired_at = \(now), generation = s.generation + 1,
                attempts = 0, unreachable = false, last_error = NULL,
                -- Restores at an event's end are spread; curtailments and opt-outs go at once.
                next_attempt_at = CASE WHEN e.target = 'normal' AND NOT e.immediate
                    THEN \(now)::timestamptz + make_interval(secs => random() * \(spreadSeconds))
                    ELSE \(now)::timestamptz END
            FROM everything e
            WHERE s.vehicle_id = e.vehicle_id AND (s.desired <> e.target OR s.desired_event_id IS DISTINCT FROM e.event_id)
            RETURNING 1
            ) SELECT count(*)::int AS changed FROM changed
            """)
        let changed = try changedRows.first?.decode(Int.self, column: "changed") ?? 0
        if changed > 0 {
            try await connection.execute("SELECT pg_notify(\(Self.wakeChannel), '')")
        }
        let nextBoundary = try await self.nextBoundary(after: now, on: connection, active: active)
        if changed > 0 || !active.isEmpty {
            logger.info(
                "scheduler pass",
                metadata: ["active_events": "\(active.count)", "vehicles_planned": "\(planned)", "desired_changed": "\(changed)"])
        }
        return (
            PassSummary(ran: true, activeEvents: active.count, vehiclesPlanned: planned, desiredChanged: changed, nextBoundary: nextBoundary),
            intervalPlans
        )
    }

    private struct TargetedVehicle {
        /// `vehicles.id`.
        let vehicleKey: String
        let snapshot: VehicleSnapshot
    }

    /// Starts telemetry sampling for the vehicles of events starting within the lead time or in progress, until the
    /// sampling tail after their end.
    private func markForSampling(now: Date, on connection: PostgresConnection) async throws {
        let lead = Double(configuration.samplingLead.components.seconds), tail = Double(configuration.samplingTail.components.seconds)
        let rows = try await connection.query(
            """
            SELECT program_id, ends_at, object::text AS object FROM events
            WHERE cancelled_at IS NULL AND deleted_at IS NULL AND ends_at > \(now)
              AND starts_at <= \(now)::timestamptz + make_interval(secs => \(lead))
            """)
        for row in rows {
            guard let event = try? OpenADRJSON.decode(Event.self, from: Data(try row.decode(String.self, column: "object").utf8)) else { continue }
            let programID = try row.decode(String.self, column: "program_id")
            let targeting = Targeting(event)
            let until = try row.decode(Date.self, column: "ends_at").addingTimeInterval(tail)
            // The same selection as `targetedVehicles`, in SQL: no 100,000-row round trip to mark them.
            try await connection.execute(
                """
                UPDATE vehicle_states SET sample_until = \(until),
                    next_sample_at = CASE WHEN sample_until IS NULL OR sample_until < \(now) THEN \(now) ELSE next_sample_at END
                WHERE (sample_until IS NULL OR sample_until < \(until)) AND vehicle_id IN (
                    SELECT v.id FROM vehicles v WHERE v.status = 'active' AND (
                        v.id IN (SELECT vehicle_id FROM vehicle_groups WHERE group_name = ANY(\(targeting.groups)::text[]))
                        OR v.id::text = ANY(\(targeting.resources)::text[]) OR v.vendor_vehicle_id = ANY(\(targeting.resources)::text[])
                        OR (\(targeting.byProgram) AND v.id IN (SELECT vehicle_id FROM vehicle_programs WHERE program_id = \(programID)))))
                """)
        }
    }

    /// An event's GROUP and RESOURCE_NAME targets; with neither, the event targets its whole program.
    private struct Targeting {
        let groups: [String]
        let resources: [String]
        var byProgram: Bool { groups.isEmpty && resources.isEmpty }

        init(_ event: Event) {
            let targets = event.targets ?? []
            groups = targets.filter { $0.targetType == .group }.flatMap { $0.values.compactMap(\.stringValue) }
            resources = targets.filter { $0.targetType == .resourceName }.flatMap { $0.values.compactMap(\.stringValue) }
        }
    }

    /// The vehicles an event targets: its GROUP and RESOURCE_NAME targets (vehicle ids or vendor ids); with neither,
    /// every vehicle enrolled in the event's program.
    private func targetedVehicles(of event: Event, programID: String, on connection: PostgresConnection) async throws -> [TargetedVehicle] {
        let targeting = Targeting(event)
        let (groups, resources, byProgram) = (targeting.groups, targeting.resources, targeting.byProgram)
        let rows = try await connection.query(
            """
            SELECT v.id::text AS id, v.vendor, coalesce(v.make, '') AS make, v.country, v.voltage, v.phases, v.min_amps, v.max_amps,
                   v.battery_kwh, v.electrical_source <> 'assumed' AS electrical_confirmed, s.plugged_in, s.charging, s.amps, s.power_kw, s.soc, s.charge_limit,
                   s.captured_at IS NOT NULL AS captured, s.prior_charging, s.prior_amps, s.prior_power_kw, s.prior_charge_limit
            FROM vehicles v JOIN vehicle_states s ON s.vehicle_id = v.id
            WHERE v.status = 'active' AND (
                v.id IN (SELECT vehicle_id FROM vehicle_groups WHERE group_name = ANY(\(groups)::text[]))
                OR v.id::text = ANY(\(resources)::text[]) OR v.vendor_vehicle_id = ANY(\(resources)::text[])
                OR (\(byProgram) AND v.id IN (SELECT vehicle_id FROM vehicle_programs WHERE program_id = \(programID))))
            ORDER BY v.id
            """)
        return try rows.map { row in
            let telemetry = VehicleTelemetry(
                pluggedIn: try row.decode(Bool?.self, column: "plugged_in"), charging: try row.decode(Bool?.self, column: "charging"),
                amps: try row.decode(Int?.self, column: "amps"), powerKW: try row.decode(Double?.self, column: "power_kw"),
                soc: try row.decode(Double?.self, column: "soc"), chargeLimit: try row.decode(Double?.self, column: "charge_limit"))
            var prior: VehicleTelemetry?
            if try row.decode(Bool.self, column: "captured") {
                prior = VehicleTelemetry(
                    pluggedIn: telemetry.pluggedIn, charging: try row.decode(Bool?.self, column: "prior_charging"),
                    amps: try row.decode(Int?.self, column: "prior_amps"), powerKW: try row.decode(Double?.self, column: "prior_power_kw"),
                    soc: telemetry.soc, chargeLimit: try row.decode(Int?.self, column: "prior_charge_limit").map(Double.init))
            }
            let key = try row.decode(String.self, column: "id")
            return TargetedVehicle(
                vehicleKey: key,
                snapshot: VehicleSnapshot(
                    id: key, vendor: Vendor(rawValue: try row.decode(String.self, column: "vendor")),
                    make: Make(rawValue: try row.decode(String.self, column: "make")), countryCode: try row.decode(String.self, column: "country"),
                    voltage: Double(try row.decode(Int.self, column: "voltage")), phases: try row.decode(Int.self, column: "phases"),
                    minAmps: try row.decode(Int.self, column: "min_amps"), maxAmps: try row.decode(Int.self, column: "max_amps"),
                    batteryKWh: try row.decode(Double?.self, column: "battery_kwh"),
                    electricalFactsConfirmed: try row.decode(Bool.self, column: "electrical_confirmed"), telemetry: telemetry,
                    preCurtailment: prior))
        }
    }

    /// Driver preferences and opt-outs that apply to `event`. An opt-out with neither event nor end date covers the
    /// event in progress when it was made, or else the next event to start after it.
    private func preferences(for vehicleIDs: [String], event: ActiveEvent, on connection: PostgresConnection, now: Date) async throws
        -> [String: DriverPreferences]
    {
        guard !vehicleIDs.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            -- Only vehicles with something to say (a missing entry means no preferences, most of a fleet), found
            -- from the small tables and joined to the targeted ids by hash: `v.id = ANY(100,000 ids)` took seconds.
            WITH candidates AS (SELECT vehicle_id FROM driver_preferences UNION SELECT vehicle_id FROM opt_outs)
            SELECT v.vehicle_id::text AS id, p.min_soc, p.departure_time::text AS departure_time, coalesce(p.departure_days, '{}') AS departure_days,
                   EXISTS (
                       SELECT 1 FROM opt_outs o WHERE o.vehicle_id = v.vehicle_id AND (
                           o.event_id = \(event.id)
                           OR (o.event_id IS NULL AND o.until IS NULL AND (
                               (\(event.startsAt) <= o.created_at AND o.created_at < \(event.endsAt))
                               OR (\(event.startsAt) > o.created_at AND NOT EXISTS (
                                   SELECT 1 FROM events e2 WHERE e2.cancelled_at IS NULL AND e2.deleted_at IS NULL
                                   AND e2.starts_at > o.created_at AND e2.starts_at < \(event.startsAt))))))
                   ) AS opted_out_of_event,
                   (SELECT max(o.until) FROM opt_outs o WHERE o.vehicle_id = v.vehicle_id AND o.until IS NOT NULL AND o.event_id IS NULL) AS opted_out_until
            FROM candidates v JOIN unnest(\(vehicleIDs)::uuid[]) AS targeted(id) ON targeted.id = v.vehicle_id
            LEFT JOIN driver_preferences p ON p.vehicle_id = v.vehicle_id
            """)
        var result: [String: DriverPreferences] = [:]
        for row in rows {
            let departure = try row.decode(String?.self, column: "departure_time").flatMap {
                Self.nextDeparture(timeOfDay: $0, days: (try? row.decode([Int].self, column: "departure_days")) ?? [], after: now)
            }
            result[try row.decode(String.self, column: "id")] = DriverPreferences(
                minimumSoC: try row.decode(Int?.self, column: "min_soc").map(Double.init), departure: departure,
                optedOutOfEvent: try row.decode(Bool.self, column: "opted_out_of_event"),
                optedOutUntil: try row.decode(Date?.self, column: "opted_out_until"))
        }
        return result
    }

    /// The next departure at `HH:MM[:SS]` (UTC) on one of `days` (ISO weekdays, empty = every day) after `now`.
    static func nextDeparture(timeOfDay: String, days: [Int], after now: Date) -> Date? {
        let parts = timeOfDay.split(separator: ":").compactMap { Int($0) }
        guard parts.count >= 2 else { return nil }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for offset in 0..<8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: now),
                let candidate = calendar.date(bySettingHour: parts[0], minute: parts[1], second: parts.count > 2 ? parts[2] : 0, of: day)
            else { continue }
            let weekday = (calendar.component(.weekday, from: candidate) + 5) % 7 + 1  // Sunday=1 → ISO 7
            if candidate > now && (days.isEmpty || days.contains(weekday)) { return candidate }
        }
        return nil
    }

    /// Upserts an interval's plans. A pass repeats the plan of most vehicles (passes run on every event change, first
    /// samples and the period), so only rows whose plan changed are written.
    private func recordIntervalPlan(_ intervalPlan: IntervalPlan) async throws {
        let (event, plans) = (intervalPlan.event, intervalPlan.plans)
        guard !plans.isEmpty else { return }
        try await pool.execute(
            """
            INSERT INTO interval_plans (event_id, interval_index, vehicle_id, target, ineligible, baseline_kw, planned_kw)
            SELECT \(event.id), \(event.interval.index), u.vehicle_id::uuid, u.target, NULLIF(u.ineligible, ''), u.baseline::float8, u.planned::float8
            FROM unnest(\(plans.map(\.vehicleID))::text[], \(plans.map(\.target.storageValue))::text[],
                        \(plans.map { $0.eligibility.reason?.rawValue ?? "" })::text[],
                        \(plans.map { String($0.baselineKW) })::text[], \(plans.map { String($0.plannedKW) })::text[])
                AS u(vehicle_id, target, ineligible, baseline, planned)
            ON CONFLICT (event_id, interval_index, vehicle_id) DO UPDATE SET
                target = EXCLUDED.target, ineligible = EXCLUDED.ineligible, planned_kw = EXCLUDED.planned_kw, planned_at = now(),
                -- The baseline is what the vehicle drew before this interval's curtailment: keep the first one.
                baseline_kw = interval_plans.baseline_kw
            WHERE (interval_plans.target, interval_plans.ineligible, interval_plans.planned_kw)
                IS DISTINCT FROM (EXCLUDED.target, EXCLUDED.ineligible, EXCLUDED.planned_kw)
            """)
    }

    private func nextBoundary(after now: Date, on connection: PostgresConnection, active: [ActiveEvent]) async throws -> Date? {
        var candidates = active.compactMap { $0.validated.timeline.nextBoundary(after: now) }
        let upcoming = try await connection.query(
            "SELECT min(starts_at) AS next FROM events WHERE cancelled_at IS NULL AND deleted_at IS NULL AND starts_at > \(now)")
        if let next = try upcoming.first?.decode(Date?.self, column: "next") { candidates.append(next) }
        return candidates.min()
    }
}

extension ValuesMap.Value {
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
