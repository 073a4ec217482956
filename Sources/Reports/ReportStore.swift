import Foundation
import Logging
import OpenADR
import Postgres

/// Computes and reads event reports.
///
/// Measurement is materialised: ``refresh(eventID:now:maxAge:)`` measures every started interval that is not yet
/// final (one query for the interval's vehicles, plans, capture samples and last commands; one for its samples;
/// the arithmetic in Swift with ``Measurement``; one bulk upsert), and freezes an interval a minute after it ends.
/// It runs in the background (the API's report publisher); ``report(eventID:now:maxAge:)`` with
/// ``unmeasuredOnly`` then reads a few aggregate rows, so it answers in milliseconds for any fleet size, a running
/// interval included (its numbers as of its `computed_at`).
public struct ReportStore: Sendable {
    public enum Failure: Error, Sendable { case eventNotFound }

    let pool: PostgresPool
    let logger: Logger
    /// How far before an interval's start the last sample may be and still hold into it. Defaults to 1 hour.
    public var lookback: TimeInterval = 3600
    /// An interval is frozen this long after its end. Defaults to 60 s.
    public var settle: TimeInterval = 60
    /// Rebound bins after the event's end: this many, each this long. Defaults to 2 × 15 minutes (the sampler
    /// watches 30 minutes past the end).
    public var reboundBins = 2
    public var reboundBin: TimeInterval = 900
    /// Vehicles per event above which the OpenADR report carries only the aggregate resource.
    public var perVehicleResourceLimit = 1000

    public init(pool: PostgresPool, logger: Logger = Logger(label: "curtail.reports")) {
        self.pool = pool
        self.logger = logger
    }

    public static let methodNote =
        "Per vehicle and interval: baseline = charging power in the last telemetry sample before Curtail's first command for the event (before the event start if never commanded), 0 if not charging, until it would have reached its charge limit (battery kWh x (limit - SoC)) or was unplugged; measured = time-weighted average of telemetry samples merged with vendor-confirmed commands read as observations (stop = 0 kW, amps limit = amps x volts x phases, start = the capture power; a later sample overrides; each holds until the next); curtailed = max(0, baseline - max(measured, allowed draw under a current limit)), only for vehicles Curtail curtailed. Interval sums are over curtailed vehicles. control_estimate_kw = r x (curtailed vehicles' capture-sample kW) - their measured kW, where r = control vehicles' measured kW / their capture-sample kW (ratio / difference-in-differences estimator; groups by intention to treat: held back, or given a curtailing target, in any interval so far), 95% CI by the delta method with Student's t."

    // MARK: Events

    struct EventRow: Sendable {
        let id: String
        let programID: String
        let owner: String
        let name: String?
        let startsAt: Date
        let endsAt: Date
        let cancelledAt: Date?
        let timeline: EventTimeline
    }

    func event(_ id: String) async throws -> EventRow {
        let rows = try await pool.query(
            """
            SELECT id, program_id, owner::text AS owner, event_name, starts_at, ends_at, cancelled_at, object::text AS object
            FROM events WHERE id = \(id)
            """)
        guard let row = rows.first else { throw Failure.eventNotFound }
        let event = try OpenADRJSON.decode(Event.self, from: Data(try row.decode(String.self, column: "object").utf8))
        let validated = try event.validated(now: .distantPast)
        return EventRow(
            id: id, programID: try row.decode(String.self, column: "program_id"), owner: try row.decode(String.self, column: "owner"),
            name: try row.decode(String?.self, column: "event_name"), startsAt: try row.decode(Date.self, column: "starts_at"),
            endsAt: try row.decode(Date.self, column: "ends_at"), cancelledAt: try row.decode(Date?.self, column: "cancelled_at"),
            timeline: validated.timeline)
    }

    /// The end of measurement: the event's end, or its cancellation.
    func measuredEnd(_ event: EventRow) -> Date { min(event.endsAt, event.cancelledAt ?? .distantFuture) }

    /// `maxAge` that measures only windows never measured: the request path's, leaving re-measuring to the
    /// background.
    public static let unmeasuredOnly: TimeInterval = .infinity

    // MARK: Refresh

    /// Measures every started, not yet final interval (and rebound bin) of `eventID` whose numbers are older than
    /// `maxAge`. Returns how many windows were measured.
    @discardableResult
    public func refresh(eventID: String, now: Date = Date(), maxAge: TimeInterval = 5) async throws -> Int {
        let event = try await event(eventID)
        let existing = try await pool.query(
            "SELECT kind, interval_index, final, computed_at FROM report_intervals WHERE event_id = \(eventID)")
        var known: [String: (final: Bool, at: Date)] = [:]
        for row in existing {
            known["\(try row.decode(String.self, column: "kind"))/\(try row.decode(Int.self, column: "interval_index"))"] =
                (try row.decode(Bool.self, column: "final"), try row.decode(Date.self, column: "computed_at"))
        }
        func stale(_ key: String) -> Bool {
            guard let entry = known[key] else { return true }
            return !entry.final && now.timeIntervalSince(entry.at) >= maxAge
        }
        let end = measuredEnd(event)
        var measured = 0
        for interval in event.timeline.intervals where interval.start <= now && interval.start < end && stale("interval/\(interval.index)") {
            let windowEnd = min(interval.end, end)
            try await measureInterval(event: event, index: interval.index, start: interval.start, end: windowEnd, now: now)
            measured += 1
        }
        if now >= end {
            for bin in 0..<reboundBins where stale("rebound/\(bin)") {
                let start = end.addingTimeInterval(Double(bin) * reboundBin)
                guard start <= now else { break }
                try await measureRebound(event: event, bin: bin, start: start, end: start.addingTimeInterval(reboundBin), now: now)
                measured += 1
            }
        }
        try await refreshVendorRequests(event: event, now: now, maxAge: maxAge)
        return measured
    }

    /// One vehicle's inputs for a window.
    struct VehicleInputs {
        var target: String
        var ineligible: String?
        var plannedKW: Double
        var batteryKWh: Double?
        var chargeLimit: Double?
        /// Rated draw, for samples without power.
        var nominalKW: Double?
        /// kW per amp of charging current (volts × phases / 1000), for a confirmed amps limit.
        var kWPerAmp: Double = 0.24
        var capture: PowerSample?
        var lastCommand: ParticipationState.LastCommand?
        /// Samples, and after ``loadInputs`` the observations from confirmed commands merged in
        /// (``Measurement/observations(samples:commands:capture:kWPerAmp:)``).
        var samples: [PowerSample] = []
        var commands: [ConfirmedCommand] = []
        /// Assignment so far in the event (intention to treat, for the control-group estimate): held back in an
        /// interval up to this one, or given a curtailing target in one. A control car that fills up is planned
        /// `not_charging` next and would otherwise leave the control group, taking its drift with it.
        var everControl = false
        var everTreated = false
    }

    /// Plans, capture samples and last commands for the vehicles planned in interval `index` (all intervals for
    /// `index == nil`, the curtailed ones, for the rebound), then their last sample before `start` (within ``lookback``) and their samples in [`start`, `end`).
    func loadInputs(event: EventRow, index: Int?, start: Date, end: Date) async throws -> [String: VehicleInputs] {
        let earlier = Array(0..<(index ?? 0))
        let rows = try await pool.query(
            """
            WITH plans AS (
                SELECT DISTINCT ON (vehicle_id) vehicle_id, target, ineligible, planned_kw FROM interval_plans
                WHERE event_id = \(event.id) AND (\(index)::int IS NULL OR interval_index = \(index)::int)
                  AND (\(index)::int IS NOT NULL OR target <> 'normal')
                ORDER BY vehicle_id, interval_index DESC
            ),
            first_command AS (
                SELECT vehicle_id, min(created_at) AS at FROM vehicle_commands WHERE event_id = \(event.id) GROUP BY vehicle_id
            ),
            last_command AS (
                SELECT DISTINCT ON (vehicle_id) vehicle_id, command, outcome, reason, attempt FROM vehicle_commands
                WHERE event_id = \(event.id) AND command <> 'wake' AND created_at < \(end)
                ORDER BY vehicle_id, id DESC
            )
            SELECT p.vehicle_id::text AS vehicle_id, p.target, p.ineligible, p.planned_kw, v.battery_kwh,
                   -- Unconfirmed facts (the schema's defaults, migration 0008) mean "not known": no rated power then.
                   CASE WHEN v.electrical_source = 'assumed' THEN NULL
                        ELSE (v.voltage * v.max_amps * v.phases) / 1000.0::float8 END AS nominal_kw,
                   (v.voltage * v.phases) / 1000.0::float8 AS kw_per_amp,
                   coalesce(s.prior_charge_limit::float8, s.charge_limit) AS charge_limit,
                   c.sampled_at AS capture_at, c.power_w AS capture_power_w, c.soc_permille AS capture_soc, c.flags AS capture_flags,
                   l.command, l.outcome, l.reason, l.attempt,
                   b.sampled_at AS before_at, b.power_w AS before_power_w, b.soc_permille AS before_soc, b.flags AS before_flags,
                   -- Only a car planned normal and not held back now needs its earlier plans looked up (a primary-key
                   -- probe per earlier interval); the hash draw never moves a car between the groups.
                   CASE WHEN p.ineligible = 'control_group' THEN true WHEN p.target <> 'normal' THEN false
                        ELSE EXISTS (SELECT 1 FROM interval_plans e WHERE e.event_id = \(event.id) AND e.interval_index = ANY(\(earlier)::int[])
                                     AND e.vehicle_id = p.vehicle_id AND e.ineligible = 'control_group') END AS ever_control,
                   CASE WHEN p.target <> 'normal' THEN true WHEN p.ineligible = 'control_group' THEN false
                        ELSE EXISTS (SELECT 1 FROM interval_plans e WHERE e.event_id = \(event.id) AND e.interval_index = ANY(\(earlier)::int[])
                                     AND e.vehicle_id = p.vehicle_id AND e.target <> 'normal') END AS ever_treated
            FROM plans p JOIN vehicles v ON v.id = p.vehicle_id
            LEFT JOIN vehicle_states s ON s.vehicle_id = p.vehicle_id
            LEFT JOIN first_command f ON f.vehicle_id = p.vehicle_id
            LEFT JOIN last_command l ON l.vehicle_id = p.vehicle_id
            LEFT JOIN LATERAL (
                SELECT sampled_at, power_w, soc_permille, flags FROM telemetry_samples t
                WHERE t.vehicle_id = p.vehicle_id AND t.sampled_at <= coalesce(f.at, \(event.startsAt))
                ORDER BY t.sampled_at DESC LIMIT 1
            ) c ON true
            LEFT JOIN LATERAL (
                SELECT sampled_at, power_w, soc_permille, flags FROM telemetry_samples t
                WHERE t.vehicle_id = p.vehicle_id AND t.sampled_at < \(start) AND t.sampled_at >= \(start.addingTimeInterval(-lookback))
                ORDER BY t.sampled_at DESC LIMIT 1
            ) b ON true
            """)
        var inputs: [String: VehicleInputs] = [:]
        inputs.reserveCapacity(rows.count)
        for row in rows {
            let nominal = try row.decode(Double?.self, column: "nominal_kw")
            var capture: PowerSample?
            if let at = try row.decode(Date?.self, column: "capture_at") {
                capture = PowerSample(
                    at: at, powerW: try row.decode(Int?.self, column: "capture_power_w"), socPermille: try row.decode(Int?.self, column: "capture_soc"),
                    flags: try row.decode(Int?.self, column: "capture_flags") ?? 0)
            }
            var last: ParticipationState.LastCommand?
            if let outcome = try row.decode(String?.self, column: "outcome") {
                last = ParticipationState.LastCommand(
                    command: try row.decode(String.self, column: "command"), outcome: outcome, reason: try row.decode(String?.self, column: "reason"),
                    attempt: try row.decode(Int.self, column: "attempt"))
            }
            var samples: [PowerSample] = []
            if let at = try row.decode(Date?.self, column: "before_at") {
                samples.append(
                    PowerSample(
                        at: at, powerW: try row.decode(Int?.self, column: "before_power_w"), socPermille: try row.decode(Int?.self, column: "before_soc"),
                        flags: try row.decode(Int?.self, column: "before_flags") ?? 0))
            }
            inputs[try row.decode(String.self, column: "vehicle_id")] = VehicleInputs(
                target: try row.decode(String.self, column: "target"), ineligible: try row.decode(String?.self, column: "ineligible"),
                plannedKW: try row.decode(Double.self, column: "planned_kw"), batteryKWh: try row.decode(Double?.self, column: "battery_kwh"),
                chargeLimit: try row.decode(Double?.self, column: "charge_limit"), nominalKW: nominal,
                kWPerAmp: try row.decode(Double.self, column: "kw_per_amp"), capture: capture, lastCommand: last,
                samples: samples, everControl: try row.decode(Bool.self, column: "ever_control"),
                everTreated: try row.decode(Bool.self, column: "ever_treated"))
        }
        guard !inputs.isEmpty else { return inputs }
        let samples = try await pool.query(
            """
            SELECT t.vehicle_id::text AS vehicle_id, t.sampled_at, t.power_w, t.soc_permille, t.flags
            FROM telemetry_samples t
            WHERE t.vehicle_id = ANY(\(Array(inputs.keys))::uuid[])
              AND t.sampled_at >= \(start) AND t.sampled_at < \(end)
            ORDER BY t.vehicle_id, t.sampled_at
            """)
        for row in samples {
            let id = try row.decode(String.self, column: "vehicle_id")
            inputs[id]?.samples.append(
                PowerSample(
                    at: try row.decode(Date.self, column: "sampled_at"), powerW: try row.decode(Int?.self, column: "power_w"),
                    socPermille: try row.decode(Int?.self, column: "soc_permille"), flags: try row.decode(Int.self, column: "flags")))
        }
        // Confirmed commands in the same span as the samples: the vendor's word on the charging state, merged into
        // each vehicle's timeline below (a Smartcar car is rarely sampled during an event: its budget goes to commands).
        let commands = try await pool.query(
            """
            SELECT c.vehicle_id::text AS vehicle_id, c.created_at, c.command, c.outcome, c.reason
            FROM vehicle_commands c
            WHERE c.vehicle_id = ANY(\(Array(inputs.keys))::uuid[])
              AND c.created_at >= \(start.addingTimeInterval(-lookback)) AND c.created_at < \(end)
              AND c.outcome IN ('done', 'already')
            ORDER BY c.vehicle_id, c.id
            """)
        for row in commands {
            guard
                let command = ConfirmedCommand(
                    at: try row.decode(Date.self, column: "created_at"), command: try row.decode(String.self, column: "command"),
                    outcome: try row.decode(String.self, column: "outcome"), reason: try row.decode(String?.self, column: "reason"))
            else { continue }
            inputs[try row.decode(String.self, column: "vehicle_id")]?.commands.append(command)
        }
        return Self.estimatingMissingPower(inputs).mapValues { input in
            var merged = input
            merged.samples = Measurement.observations(samples: input.samples, commands: input.commands, capture: input.capture, kWPerAmp: input.kWPerAmp)
            return merged
        }
    }

    /// Fills in power for samples that say charging but carry none (Smartcar reports no power): the vehicle's rated
    /// power when its record has real electrical specs, else the mean pre-curtailment power of the vehicles in the
    /// same window that do report power (their capture samples), else 7.68 kW (32 A at 240 V).
    static func estimatingMissingPower(_ inputs: [String: VehicleInputs]) -> [String: VehicleInputs] {
        let reported = inputs.values.compactMap { input -> Double? in
            guard let capture = input.capture, capture.charging == true, let kw = capture.powerKW, kw > 0 else { return nil }
            return kw
        }
        let peerMean = reported.isEmpty ? 7.68 : reported.reduce(0, +) / Double(reported.count)
        var result = inputs
        for (id, input) in inputs {
            let nominal = input.nominalKW ?? peerMean
            var updated = input
            updated.capture = input.capture?.estimatingPower(nominalKW: nominal)
            updated.samples = input.samples.map { $0.estimatingPower(nominalKW: nominal) }
            result[id] = updated
        }
        return result
    }

    /// One vehicle's numbers for a window.
    public struct VehicleMeasurement: Sendable, Hashable {
        public var state: ParticipationState
        public var baselineKW: Double
        public var measuredKW: Double?
        public var curtailedKW: Double
        /// The capture sample's draw (0 when not charging): the control-group estimate's pre-event draw.
        public var preEventKW: Double
    }

    static func measure(_ input: VehicleInputs, start: Date, end: Date) -> VehicleMeasurement {
        let state = ParticipationState.derive(target: input.target, ineligible: input.ineligible, lastCommand: input.lastCommand)
        // Samples before the window show an unplug that already happened; samples inside it show one during it.
        let baseline = Measurement.baseline(capture: input.capture, later: input.samples, batteryKWh: input.batteryKWh, chargeLimit: input.chargeLimit)
        let baselineKW = baseline.averageKW(from: start, to: end)
        let measured = Measurement.averagePowerKW(input.samples, from: start, to: end)
        // The allowed draw counts only while the counterfactual would still have been charging.
        let limit = input.target.hasPrefix("limited:") ? min(input.plannedKW, baseline.powerKW) : 0
        let floor = baseline.powerKW > 0 ? limit * baselineKW / baseline.powerKW : 0
        let curtailed = Measurement.curtailedKW(baseline: baselineKW, measured: measured, floor: floor, curtailed: state.isCurtailed)
        return VehicleMeasurement(state: state, baselineKW: baselineKW, measuredKW: measured, curtailedKW: curtailed, preEventKW: baseline.powerKW)
    }

    func measureInterval(event: EventRow, index: Int, start: Date, end: Date, now: Date) async throws {
        let clock = ContinuousClock()
        let loadStarted = clock.now
        let inputs = try await loadInputs(event: event, index: index, start: start, end: end)
        let computeStarted = clock.now
        var ids: [String] = [], targets: [String] = [], states: [String] = [], baselines: [String] = [], measureds: [String] = [],
            curtaileds: [String] = []
        ids.reserveCapacity(inputs.count)
        var counts: [String: Int] = [:]
        var baselineSum = 0.0, measuredSum = 0.0, curtailedSum = 0.0, fleetMeasured = 0.0
        var treatment = 0, missing = 0
        var control = ControlEstimate.Sums(), treated = ControlEstimate.Sums()
        let effectiveEnd = min(end, now)
        // In vehicle-id order: the upsert below locks its rows in this order, and two measurers of one interval (the
        // publishers of two processes, or one and a request) must take them in the same order or they deadlock.
        for (id, input) in inputs.sorted(by: { $0.key < $1.key }) {
            let m = Self.measure(input, start: start, end: max(effectiveEnd, start.addingTimeInterval(1)))
            counts[m.state.rawValue, default: 0] += 1
            fleetMeasured += m.measuredKW ?? 0
            if m.state.isCurtailed {
                treatment += 1
                if let measured = m.measuredKW {
                    baselineSum += m.baselineKW
                    measuredSum += measured
                    curtailedSum += m.curtailedKW
                } else {
                    missing += 1
                }
            }
            if let measured = m.measuredKW {
                if input.everTreated {
                    treated.add(pre: m.preEventKW, measured: measured)
                } else if input.everControl || m.state == .control {
                    control.add(pre: m.preEventKW, measured: measured)
                }
            }
            ids.append(id)
            targets.append(input.target)
            states.append(m.state.rawValue)
            baselines.append(String(Int((m.baselineKW * 1000).rounded())))
            measureds.append(m.measuredKW.map { String(Int(($0 * 1000).rounded())) } ?? "")
            curtaileds.append(String(Int((m.curtailedKW * 1000).rounded())))
        }
        let detail = EventReport.IntervalDetail(
            participation: counts, curtailed_vehicles: treatment, missing_telemetry: missing, fleet_measured_kw: fleetMeasured,
            control_estimate_kw: ControlEstimate.estimate(control: control, treatment: treated))
        let final = now >= end.addingTimeInterval(settle)
        let writeStarted = clock.now
        defer {
            logger.debug(
                "measured interval",
                metadata: [
                    "event_id": "\(event.id)", "interval": "\(index)", "vehicles": "\(inputs.count)", "load": "\(computeStarted - loadStarted)",
                    "compute": "\(writeStarted - computeStarted)", "write": "\(clock.now - writeStarted)",
                ])
        }
        try await pool.withTransaction { connection in
            if !ids.isEmpty {
                try await connection.execute(
                    """
                    INSERT INTO interval_measurements (event_id, interval_index, vehicle_id, target, state, baseline_w, measured_w, curtailed_w)
                    SELECT \(event.id), \(index), u.id::uuid, u.target, u.state, u.baseline::int, NULLIF(u.measured, '')::int, u.curtailed::int
                    FROM unnest(\(ids)::text[], \(targets)::text[], \(states)::text[], \(baselines)::text[], \(measureds)::text[], \(curtaileds)::text[])
                        AS u(id, target, state, baseline, measured, curtailed)
                    ORDER BY u.id
                    ON CONFLICT (event_id, interval_index, vehicle_id) DO UPDATE SET target = EXCLUDED.target, state = EXCLUDED.state,
                        baseline_w = EXCLUDED.baseline_w, measured_w = EXCLUDED.measured_w, curtailed_w = EXCLUDED.curtailed_w
                    """)
            }
            try await Self.upsertSummary(
                on: connection, eventID: event.id, kind: "interval", index: index, start: start, end: end, baseline: baselineSum,
                measured: measuredSum, curtailed: curtailedSum, detail: PostgresJSON(detail), final: final, now: now)
        }
    }

    func measureRebound(event: EventRow, bin: Int, start: Date, end: Date, now: Date) async throws {
        let inputs = try await loadInputs(event: event, index: nil, start: start, end: end)
        var baselineSum = 0.0, measuredSum = 0.0, reboundSum = 0.0, vehicles = 0
        let effectiveEnd = max(min(end, now), start.addingTimeInterval(1))
        for input in inputs.values {
            guard let measured = Measurement.averagePowerKW(input.samples, from: start, to: effectiveEnd) else { continue }
            let baseline = Measurement.baseline(capture: input.capture, later: input.samples, batteryKWh: input.batteryKWh, chargeLimit: input.chargeLimit)
                .averageKW(from: start, to: effectiveEnd)
            vehicles += 1
            baselineSum += baseline
            measuredSum += measured
            reboundSum += max(0, measured - baseline)
        }
        let detail = ["vehicles": vehicles]
        try await pool.withTransaction { connection in
            try await Self.upsertSummary(
                on: connection, eventID: event.id, kind: "rebound", index: bin, start: start, end: end, baseline: baselineSum,
                measured: measuredSum, curtailed: reboundSum, detail: PostgresJSON(detail), final: now >= end.addingTimeInterval(settle), now: now)
        }
    }

    static func upsertSummary<D: Codable & Sendable>(
        on connection: PostgresConnection, eventID: String, kind: String, index: Int, start: Date, end: Date, baseline: Double, measured: Double,
        curtailed: Double, detail: PostgresJSON<D>, final: Bool, now: Date
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO report_intervals (event_id, kind, interval_index, starts_at, ends_at, baseline_kw, measured_kw, curtailed_kw, detail, final, computed_at)
            VALUES (\(eventID), \(kind), \(index), \(start), \(end), \(baseline), \(measured), \(curtailed), \(detail)::jsonb, \(final), \(now))
            ON CONFLICT (event_id, kind, interval_index) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                baseline_kw = EXCLUDED.baseline_kw, measured_kw = EXCLUDED.measured_kw, curtailed_kw = EXCLUDED.curtailed_kw,
                detail = EXCLUDED.detail, final = EXCLUDED.final, computed_at = EXCLUDED.computed_at
            WHERE NOT report_intervals.final
            """)
    }

    /// Vendor requests for the event: its commands, plus the restores (no event id) of its vehicles within an hour
    /// of its end. Frozen an hour after the end.
    func refreshVendorRequests(event: EventRow, now: Date, maxAge: TimeInterval) async throws {
        let state = try await pool.query("SELECT vendor_final, computed_at FROM report_events WHERE event_id = \(event.id)")
        if let row = state.first {
            if try row.decode(Bool.self, column: "vendor_final") { return }
            if let at = try row.decode(Date?.self, column: "computed_at"), now.timeIntervalSince(at) < maxAge { return }
        }
        let end = measuredEnd(event)
        let rows = try await pool.query(
            """
            SELECT v.vendor, c.command, c.outcome, count(*)::int AS n, avg(c.latency_ms)::float8 AS latency
            FROM vehicle_commands c JOIN vehicles v ON v.id = c.vehicle_id
            WHERE c.event_id = \(event.id)
               OR (c.event_id IS NULL AND c.created_at >= \(end) AND c.created_at < \(end.addingTimeInterval(3600))
                   AND c.vehicle_id IN (SELECT vehicle_id FROM interval_plans WHERE event_id = \(event.id) AND target <> 'normal'))
            GROUP BY v.vendor, c.command, c.outcome
            """)
        var merged: [String: VendorRequests.Count] = [:]
        var total = 0, cost = 0.0
        for row in rows {
            let vendor = try row.decode(String.self, column: "vendor"), outcome = try row.decode(String.self, column: "outcome")
            guard let kind = VendorRequests.kind(ofCommand: try row.decode(String.self, column: "command")) else { continue }
            let n = try row.decode(Int.self, column: "n"), latency = try row.decode(Double.self, column: "latency")
            let key = "\(vendor)/\(kind)/\(outcome)"
            var entry = merged[key] ?? VendorRequests.Count(vendor: vendor, kind: kind, outcome: outcome, count: 0, mean_latency_ms: 0)
            entry.mean_latency_ms = (entry.mean_latency_ms * Double(entry.count) + latency * Double(n)) / Double(entry.count + n)
            entry.count += n
            merged[key] = entry
            total += n
            cost += Double(n) * VendorRequests.price(vendor: vendor, kind: kind, outcome: outcome)
        }
        let requests = VendorRequests(
            total: total, counts: merged.values.sorted { ($0.vendor, $0.kind, $0.outcome) < ($1.vendor, $1.kind, $1.outcome) },
            estimated_cost_usd: (cost * 1000).rounded() / 1000, pricing: VendorRequests.pricingNote)
        let final = now >= end.addingTimeInterval(3600)
        try await pool.execute(
            """
            INSERT INTO report_events (event_id, vendor_requests, vendor_final, computed_at) VALUES (\(event.id), \(PostgresJSON(requests))::jsonb, \(final), \(now))
            ON CONFLICT (event_id) DO UPDATE SET vendor_requests = EXCLUDED.vendor_requests, vendor_final = EXCLUDED.vendor_final,
                computed_at = EXCLUDED.computed_at
            """)
    }

    // MARK: Reading

    /// The event's report: refreshes what is older than `maxAge` (``unmeasuredOnly``: what was never measured),
    /// then reads the aggregates.
    public func report(eventID: String, now: Date = Date(), maxAge: TimeInterval = 5) async throws -> EventReport {
        try await refresh(eventID: eventID, now: now, maxAge: maxAge)
        let event = try await event(eventID)
        let rows = try await pool.query(
            """
            SELECT kind, interval_index, starts_at, ends_at, baseline_kw, measured_kw, curtailed_kw, detail::text AS detail, final, computed_at
            FROM report_intervals WHERE event_id = \(eventID) ORDER BY kind, interval_index
            """)
        let vendorRows = try await pool.query("SELECT vendor_requests::text AS v FROM report_events WHERE event_id = \(eventID)")
        var byIndex: [Int: EventReport.Interval] = [:]
        var rebound: [EventReport.Rebound] = []
        for row in rows {
            let start = try row.decode(Date.self, column: "starts_at"), end = try row.decode(Date.self, column: "ends_at")
            let index = try row.decode(Int.self, column: "interval_index")
            if try row.decode(String.self, column: "kind") == "rebound" {
                rebound.append(
                    EventReport.Rebound(
                        start: start, duration: Self.isoDuration(end.timeIntervalSince(start)), baseline_kw: try row.decode(Double.self, column: "baseline_kw"),
                        measured_kw: try row.decode(Double.self, column: "measured_kw"), rebound_kw: try row.decode(Double.self, column: "curtailed_kw"),
                        final: try row.decode(Bool.self, column: "final")))
                continue
            }
            let detail = try row.decode(PostgresJSON<EventReport.IntervalDetail>.self, column: "detail").value
            let curtailed = try row.decode(Double.self, column: "curtailed_kw")
            byIndex[index] = EventReport.Interval(
                index: index, start: start, duration: "", requested: nil, baseline_kw: try row.decode(Double.self, column: "baseline_kw"),
                measured_kw: try row.decode(Double.self, column: "measured_kw"), curtailed_kw: curtailed,
                curtailed_kwh: curtailed * end.timeIntervalSince(start) / 3600, participation: detail.participation,
                curtailed_vehicles: detail.curtailed_vehicles, missing_telemetry: detail.missing_telemetry, fleet_measured_kw: detail.fleet_measured_kw,
                control_estimate_kw: detail.control_estimate_kw, final: try row.decode(Bool.self, column: "final"),
                computed_at: try row.decode(Date.self, column: "computed_at"))
        }
        // Every interval of the timeline is listed; those not started yet carry zeros.
        var intervals: [EventReport.Interval] = []
        for interval in event.timeline.intervals {
            var entry =
                byIndex[interval.index]
                ?? EventReport.Interval(
                    index: interval.index, start: interval.start, duration: "", requested: nil, baseline_kw: 0, measured_kw: 0, curtailed_kw: 0,
                    curtailed_kwh: 0, participation: [:], curtailed_vehicles: 0, missing_telemetry: 0, fleet_measured_kw: 0,
                    control_estimate_kw: nil, final: false, computed_at: now)
            entry.duration = interval.duration.description
            entry.requested = Self.requested(interval.requests)
            intervals.append(entry)
        }
        let status: String =
            event.cancelledAt != nil ? "cancelled" : now < event.startsAt ? "scheduled" : now < event.endsAt ? "active" : "completed"
        let current = intervals.last { $0.start <= now && !$0.participation.isEmpty }
        let vendor =
            try vendorRows.first.map { try $0.decode(PostgresJSON<VendorRequests>.self, column: "v").value }
            ?? VendorRequests(total: 0, counts: [], estimated_cost_usd: 0, pricing: VendorRequests.pricingNote)
        return EventReport(
            event_id: event.id, program_id: event.programID, event_name: event.name, status: status, start: event.startsAt, end: event.endsAt,
            participation: current?.participation ?? [:], intervals: intervals, rebound_kw: rebound.map(\.rebound_kw).max() ?? 0, rebound: rebound,
            vendor_requests: vendor,
            totals: EventReport.Totals(
                curtailed_kwh: intervals.reduce(0) { $0 + $1.curtailed_kwh },
                vehicles: intervals.map { $0.participation.values.reduce(0, +) }.max() ?? 0),
            method: Self.methodNote)
    }

    static func requested(_ requests: [ShedRequest]) -> EventReport.Requested? {
        for request in requests {
            switch request {
            case .simple(let level): return EventReport.Requested(type: "SIMPLE", value: Double(level), units: nil)
            case .importCapacityLimit(let kW): return EventReport.Requested(type: "IMPORT_CAPACITY_LIMIT", value: kW, units: "KW")
            case .unsupported: continue
            }
        }
        return nil
    }

    static func isoDuration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s % 3600 == 0 { return "PT\(s / 3600)H" }
        if s % 60 == 0 { return "PT\(s / 60)M" }
        return "PT\(s)S"
    }

    // MARK: Drill-down

    public struct VehicleRow: Sendable, Codable {
        public struct IntervalRow: Sendable, Codable {
            public var index: Int
            public var target: String
            public var state: String
            public var baseline_kw: Double
            public var measured_kw: Double?
            public var curtailed_kw: Double
        }
        public var vehicle_id: String
        public var vendor: String
        public var vendor_vehicle_id: String
        public var intervals: [IntervalRow]
    }

    /// Per-vehicle measurements, `limit` vehicles from `skip`, ordered by vehicle id; optionally one state only.
    public func vehicles(eventID: String, skip: Int, limit: Int, state: String? = nil) async throws -> [VehicleRow] {
        let rows = try await pool.query(
            """
            WITH page AS (
                SELECT DISTINCT vehicle_id FROM interval_measurements
                WHERE event_id = \(eventID) AND (\(state)::text IS NULL OR state = \(state)::text)
                ORDER BY vehicle_id OFFSET \(skip) LIMIT \(limit)
            )
            SELECT m.vehicle_id::text AS vehicle_id, v.vendor, v.vendor_vehicle_id, m.interval_index, m.target, m.state,
                   m.baseline_w, m.measured_w, m.curtailed_w
            FROM interval_measurements m JOIN page USING (vehicle_id) JOIN vehicles v ON v.id = m.vehicle_id
            WHERE m.event_id = \(eventID)
            ORDER BY m.vehicle_id, m.interval_index
            """)
        var result: [VehicleRow] = []
        for row in rows {
            let id = try row.decode(String.self, column: "vehicle_id")
            if result.last?.vehicle_id != id {
                result.append(
                    VehicleRow(
                        vehicle_id: id, vendor: try row.decode(String.self, column: "vendor"),
                        vendor_vehicle_id: try row.decode(String.self, column: "vendor_vehicle_id"), intervals: []))
            }
            result[result.count - 1].intervals.append(
                VehicleRow.IntervalRow(
                    index: try row.decode(Int.self, column: "interval_index"), target: try row.decode(String.self, column: "target"),
                    state: try row.decode(String.self, column: "state"), baseline_kw: Double(try row.decode(Int.self, column: "baseline_w")) / 1000,
                    measured_kw: try row.decode(Int?.self, column: "measured_w").map { Double($0) / 1000 },
                    curtailed_kw: Double(try row.decode(Int.self, column: "curtailed_w")) / 1000))
        }
        return result
    }

    /// Events for the dashboard's list, newest first.
    public struct EventSummary: Sendable, Codable {
        public var id: String
        public var program_id: String
        public var event_name: String?
        public var status: String
        public var start: Date
        public var end: Date
    }

    public func events(skip: Int, limit: Int, now: Date = Date()) async throws -> [EventSummary] {
        let rows = try await pool.query(
            """
            SELECT id, program_id, event_name, starts_at, ends_at, cancelled_at FROM events WHERE deleted_at IS NULL
            ORDER BY starts_at DESC, id OFFSET \(skip) LIMIT \(limit)
            """)
        return try rows.map { row in
            let start = try row.decode(Date.self, column: "starts_at"), end = try row.decode(Date.self, column: "ends_at")
            let cancelled = try row.decode(Date?.self, column: "cancelled_at") != nil
            return EventSummary(
                id: try row.decode(String.self, column: "id"), program_id: try row.decode(String.self, column: "program_id"),
                event_name: try row.decode(String?.self, column: "event_name"),
                status: cancelled ? "cancelled" : now < start ? "scheduled" : now < end ? "active" : "completed", start: start, end: end)
        }
    }
}
