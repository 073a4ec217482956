import API
import Foundation
import OpenADR
import Postgres
import Reports
import Testing

/// An event two hours in the past, built row by row as the engine would have written it: two 30-minute intervals,
/// and vehicles covering every case the method must get right.
@Suite struct EventReportTests {
    struct Fixture {
        let eventID = "e-report"
        let t0: Date
        var ids: [String: String] = [:]
        var token = ""
        var operatorKey = ""
    }

    static func build(_ h: ReportHarness) async throws -> Fixture {
        let now = Date()
        var f = Fixture(t0: Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 3 * 3600))
        let (token, owner) = try await h.token([.fleetRead, .readAll, .writeEvents, .writePrograms])
        f.token = token
        f.operatorKey = owner
        let t0 = f.t0
        func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
        try await h.createEvent(owner: owner, id: f.eventID, start: t0, minutes: 30, levels: [2, 3])
        for name in ["A", "B", "C", "D", "I", "E", "F", "G", "H"] {
            f.ids[name] = try await h.createVehicle("VIN-\(name)", batteryKWh: 75, chargeLimit: 90)
        }
        let id = f.ids
        for index in 0..<2 {
            try await h.plan(event: f.eventID, index: index, vehicle: id["A"]!, target: "stopped")
            try await h.plan(event: f.eventID, index: index, vehicle: id["B"]!, target: "stopped")
            try await h.plan(event: f.eventID, index: index, vehicle: id["C"]!, target: "limited:16", planned: 3.84)
            try await h.plan(event: f.eventID, index: index, vehicle: id["D"]!, target: "limited:16", planned: 3.84)
            try await h.plan(event: f.eventID, index: index, vehicle: id["I"]!, target: "stopped")
            try await h.plan(event: f.eventID, index: index, vehicle: id["E"]!, target: "normal", ineligible: "control_group", planned: 7.2)
            try await h.plan(event: f.eventID, index: index, vehicle: id["F"]!, target: "normal", ineligible: "control_group", planned: 7.0)
            try await h.plan(event: f.eventID, index: index, vehicle: id["G"]!, target: "normal", ineligible: "opted_out", planned: 7.2)
            try await h.plan(event: f.eventID, index: index, vehicle: id["H"]!, target: "normal", ineligible: "not_plugged_in", baseline: 0)
        }
        // Everyone charging at 7.2 kW a minute before the start (the sampler's lead).
        for name in ["A", "B", "C", "D", "I", "E", "G"] { try await h.sample(vehicle: id[name]!, at: at(-60), kw: 7.2, soc: name == "B" ? 88 : 50) }
        try await h.sample(vehicle: id["F"]!, at: at(-60), kw: 7.0)
        try await h.sample(vehicle: id["H"]!, at: at(-60), kw: 0, plugged: false)
        // Capture samples at +10 s, commands confirmed at +20 s.
        for name in ["A", "B", "C", "D", "I"] {
            try await h.sample(vehicle: id[name]!, at: at(10), kw: 7.2, soc: name == "B" ? 88 : 50)
            try await h.command(vehicle: id[name]!, event: f.eventID, command: "capture", outcome: "done", at: at(20))
        }
        for name in ["A", "B"] { try await h.command(vehicle: id[name]!, event: f.eventID, command: "0:stop_charging", outcome: "done", at: at(20)) }
        for name in ["C", "D"] { try await h.command(vehicle: id[name]!, event: f.eventID, command: "0:set_charging_amps:16", outcome: "done", at: at(20)) }
        try await h.command(vehicle: id["I"]!, event: f.eventID, command: "0:stop_charging", outcome: "failed", at: at(20), reason: "vehicle refused")
        try await h.command(vehicle: id["A"]!, event: nil, command: "0:start_charging", outcome: "done", at: at(3660))
        // A and B stop; B would have reached its charge limit 750 s after its capture anyway.
        try await h.sample(vehicle: id["A"]!, at: at(30), kw: 0, charging: false)
        try await h.sample(vehicle: id["B"]!, at: at(30), kw: 0, soc: 88, charging: false)
        // C runs at its 16 A limit, then the driver unplugs at +900 s.
        try await h.sample(vehicle: id["C"]!, at: at(30), kw: 3.84)
        try await h.sample(vehicle: id["C"]!, at: at(900), kw: 0, plugged: false)
        // D is limited to 16 A but stops on its own.
        try await h.sample(vehicle: id["D"]!, at: at(30), kw: 0, charging: false)
        // I refused the command and keeps charging; the control group and the opted-out car charge on.
        try await h.sample(vehicle: id["I"]!, at: at(1200), kw: 7.2)
        try await h.sample(vehicle: id["E"]!, at: at(1200), kw: 7.2)
        try await h.sample(vehicle: id["F"]!, at: at(1200), kw: 7.0)
        // After the end: B (would have been full) restarts at +60 s, a rebound.
        try await h.sample(vehicle: id["B"]!, at: at(3600 - 60), kw: 0, soc: 88, charging: false)
        try await h.sample(vehicle: id["B"]!, at: at(3660), kw: 7.2, soc: 88)
        try await h.sample(vehicle: id["A"]!, at: at(3660), kw: 7.2)
        return f
    }

    static func interval(_ report: [String: Any], _ index: Int) -> [String: Any] {
        (report["intervals"] as! [[String: Any]])[index]
    }

    @Test func report_computesCurtailedKW_onConstructedTelemetry() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            let response = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token)
            #expect(response.status == 200, "\(response.text)")
            let report = response.json
            #expect(report["status"] as? String == "completed")
            let i0 = Self.interval(report, 0), i1 = Self.interval(report, 1)
            // Per vehicle, interval 0 (the confirmed commands at +20 s are observations: stopped, or 16 A × 240 V):
            // A 7.2−0.08; B 7.2·760/1800−0.08; C 3.6−1.957 (the limit's share counted only while it would have
            // charged); D 7.2−3.84 (stopped on its own below its limit); I 0 (refused).
            let measuredC = (7.2 * 20 + 3.84 * 880) / 1800, measuredD = (7.2 * 20 + 3.84 * 10) / 1800
            let expected0 = (7.2 - 0.08) + (7.2 * 760 / 1800 - 0.08) + (3.6 - measuredC) + (7.2 - 3.84) + 0
            #expect(abs((i0["curtailed_kw"] as! Double) - expected0) < 0.01, "interval 0: \(i0)")
            #expect(abs((i0["baseline_kw"] as! Double) - (7.2 + 7.2 * 760 / 1800 + 3.6 + 7.2 + 7.2)) < 0.01)
            // Interval 1: A 7.2 (still stopped), B 0 (would have been full), C 0 (unplugged), D 3.36, I 0.
            #expect(abs((i1["curtailed_kw"] as! Double) - (7.2 + 3.36)) < 0.01, "interval 1: \(i1)")
            #expect(abs((i1["curtailed_kwh"] as! Double) - (7.2 + 3.36) / 2) < 0.01)
            let participation = i0["participation"] as! [String: Int]
            #expect(participation == ["confirmed": 4, "failed": 1, "control": 2, "opted_out": 1, "not_plugged_in": 1])
            #expect(report["participation"] as? [String: Int] == participation)
            #expect((i0["requested"] as? [String: Any])?["type"] as? String == "SIMPLE")
            #expect((i1["requested"] as? [String: Any])?["value"] as? Double == 3)
            #expect(i0["duration"] as? String == "PT30M")
            // Control estimate: the controls E and F drew all of their pre-event 7.2 and 7.0 kW (ratio 1), so it is
            // the five curtailed vehicles' capture draw (5 × 7.2) less their measured draw, inside its own interval.
            let control = try #require(i0["control_estimate_kw"] as? [String: Any])
            let treatmentMeasured = 0.08 + 0.08 + measuredC + measuredD + 7.2
            #expect(abs((control["control_ratio"] as! Double) - 1) < 1e-9)
            #expect(abs((control["kw"] as! Double) - (5 * 7.2 - treatmentMeasured)) < 0.01)
            let ci = control["ci95"] as! [Double]
            #expect(ci[0] <= (control["kw"] as! Double) && (control["kw"] as! Double) <= ci[1])
            // Sums: the totals are the intervals' sums, each interval's curtailed ≤ baseline − measured + rounding.
            let intervals = report["intervals"] as! [[String: Any]]
            let total = intervals.reduce(0.0) { $0 + ($1["curtailed_kwh"] as! Double) }
            #expect(abs(((report["totals"] as! [String: Any])["curtailed_kwh"] as! Double) - total) < 1e-6)
            // Rebound: B draws 7.2 kW above its (full) baseline from +60 s after the end.
            #expect((report["rebound_kw"] as! Double) > 6)
            // Vendor requests: 5 captures, 5 commands for the event, 1 restore; Tesla pricing.
            let vendor = report["vendor_requests"] as! [String: Any]
            #expect(vendor["total"] as? Int == 11)
            #expect(abs((vendor["estimated_cost_usd"] as! Double) - (5 * 0.002 + 6 * 0.001)) < 1e-9)

            // The per-vehicle rows sum to the interval.
            let vehicles = try await h.http("GET", "/v1/events/\(f.eventID)/vehicles?limit=100", token: f.token)
            #expect(vehicles.status == 200)
            let rows = try JSONSerialization.jsonObject(with: vehicles.body) as! [[String: Any]]
            #expect(rows.count == 9)
            let sum0 = rows.flatMap { $0["intervals"] as! [[String: Any]] }.filter { $0["index"] as? Int == 0 }.reduce(0.0) {
                $0 + ($1["curtailed_kw"] as! Double)
            }
            #expect(abs(sum0 - (i0["curtailed_kw"] as! Double)) < 0.01)
            let page = try await h.http("GET", "/v1/events/\(f.eventID)/vehicles?limit=2&skip=8", token: f.token)
            #expect((try JSONSerialization.jsonObject(with: page.body) as! [Any]).count == 1)
        }
    }

    /// The request path only reads the rolled-up rows: an interval the background has not re-measured keeps its
    /// stored numbers (however stale) until a refresh pass, which the report publisher runs.
    @Test func report_readsTheRollUp_andLeavesReMeasuringToTheBackground() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            let first = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token)
            let curtailed = Self.interval(first.json, 1)["curtailed_kw"] as! Double
            // Interval 1 made running again, and A (stopped) shown charging through it after all.
            try await h.pool.execute(
                "UPDATE report_intervals SET final = false, computed_at = now() - interval '1 hour' WHERE event_id = \(f.eventID) AND kind = 'interval' AND interval_index = 1")
            try await h.sample(vehicle: f.ids["A"]!, at: f.t0.addingTimeInterval(1800), kw: 7.2)
            let read = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token)
            #expect(Self.interval(read.json, 1)["curtailed_kw"] as! Double == curtailed)
            #expect(Self.interval(read.json, 1)["final"] as? Bool == false)
            let store = ReportStore(pool: h.pool)
            let measured = try await store.refresh(eventID: f.eventID, maxAge: 0)
            #expect(measured == 1)
            let refreshed = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token)
            #expect(abs((Self.interval(refreshed.json, 1)["curtailed_kw"] as! Double) - (curtailed - 7.2)) < 0.01)
            #expect(Self.interval(refreshed.json, 1)["final"] as? Bool == true)
        }
    }

    /// A control car that fills up is planned `not_charging` in the next interval; it stays in the control group
    /// (intention to treat), or the group would lose exactly the drift it is there to show.
    @Test func controlEstimate_keepsAControlCarThatStoppedCharging() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            try await h.pool.execute(
                "UPDATE interval_plans SET ineligible = 'not_charging' WHERE event_id = \(f.eventID) AND interval_index = 1 AND vehicle_id = \(f.ids["E"]!)::uuid")
            try await h.sample(vehicle: f.ids["E"]!, at: f.t0.addingTimeInterval(1800), kw: 0, charging: false)
            let report = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token)
            let i1 = Self.interval(report.json, 1)
            #expect((i1["participation"] as! [String: Int])["control"] == 1)
            let control = try #require(i1["control_estimate_kw"] as? [String: Any])
            #expect(control["control_count"] as? Int == 2)
            // E drew 0 of its 7.2 kW, F all of its 7.0 kW.
            #expect(abs((control["control_ratio"] as! Double) - 7.0 / 14.2) < 1e-9)
        }
    }

    /// A car the sampler does not reach during the event (Smartcar's budget goes to commands): its confirmed stop
    /// is the observation that it stopped, until a real sample says otherwise.
    @Test func aConfirmedStop_countsAsAnObservation_untilALaterSample() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            func at(_ s: Double) -> Date { f.t0.addingTimeInterval(s) }
            let quiet = try await h.createVehicle("VIN-S", batteryKWh: 75, chargeLimit: 90)
            let woke = try await h.createVehicle("VIN-T", batteryKWh: 75, chargeLimit: 90)
            for index in 0..<2 {
                for id in [quiet, woke] { try await h.plan(event: f.eventID, index: index, vehicle: id, target: "stopped") }
            }
            for id in [quiet, woke] {
                try await h.sample(vehicle: id, at: at(-60), kw: 7.2)
                try await h.command(vehicle: id, event: f.eventID, command: "0:stop_charging", outcome: "done", at: at(20))
            }
            // `woke` is sampled charging again at +900 s (it restarted on its own).
            try await h.sample(vehicle: woke, at: at(900), kw: 7.2)
            #expect(try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token).status == 200)
            let report = try await h.http("GET", "/v1/events/\(f.eventID)/vehicles?limit=100", token: f.token)
            let rows = try JSONSerialization.jsonObject(with: report.body) as! [[String: Any]]
            func interval(_ id: String, _ index: Int) -> [String: Any] {
                (rows.first { $0["vehicle_id"] as? String == id }!["intervals"] as! [[String: Any]]).first { $0["index"] as? Int == index }!
            }
            // quiet: 7.2 kW for the first 20 s of interval 0, then 0 to the end; curtailed the rest.
            #expect(abs((interval(quiet, 0)["measured_kw"] as! Double) - 7.2 * 20 / 1800) < 0.002)
            #expect(abs((interval(quiet, 0)["curtailed_kw"] as! Double) - 7.2 * 1780 / 1800) < 0.002)
            #expect(interval(quiet, 1)["measured_kw"] as? Double == 0)
            #expect(abs((interval(quiet, 1)["curtailed_kw"] as! Double) - 7.2) < 0.002)
            // woke: 0 from 20 s to 900 s, charging from the sample on; nothing curtailed in interval 1.
            #expect(abs((interval(woke, 0)["measured_kw"] as! Double) - 7.2 * (20 + 900) / 1800) < 0.002)
            #expect(interval(woke, 1)["measured_kw"] as? Double == 7.2)
            #expect(interval(woke, 1)["curtailed_kw"] as? Double == 0)
        }
    }

    @Test func report_asCSV_isParsable_andMatchesTheJSON() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            let json = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token).json
            let csv = try await h.http("GET", "/v1/events/\(f.eventID)/report", token: f.token, accept: "text/csv")
            #expect(csv.status == 200)
            #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 3)
            let header = lines[0].split(separator: ",").map(String.init)
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                #expect(fields.count == header.count)
                let row = Dictionary(uniqueKeysWithValues: zip(header, fields))
                let index = Int(row["index"]!)!
                #expect(abs(Double(row["curtailed_kw"]!)! - (Self.interval(json, index)["curtailed_kw"] as! Double)) < 0.001)
                #expect(row["requested_type"] == "SIMPLE")
            }
            #expect(header.contains("participation_confirmed"))
        }
    }

    @Test func report_needsFleetRead_andAnswers404ForAnUnknownEvent() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            #expect(try await h.http("GET", "/v1/events/\(f.eventID)/report").status == 401)
            let (ven, _) = try await h.token([.readAll])
            #expect(try await h.http("GET", "/v1/events/\(f.eventID)/report", token: ven).status == 403)
            #expect(try await h.http("GET", "/v1/events/nope/report", token: f.token).status == 404)
            let dashboard = try await h.http("GET", "/dashboard")
            #expect(dashboard.status == 200 && dashboard.text.contains("<svg id=\"chart\""))
            #expect(!dashboard.text.contains("http://") || !dashboard.text.contains("<script src"))
        }
    }

    /// A deleted event can have no report object (the VTN refuses one for an event it forgot); before this was skipped,
    /// its failure failed every publication pass, so no other event's report was published for three hours.
    @Test func deletedEvent_IsNotPublished_AndDoesNotFailThePass() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            try await h.pool.execute("UPDATE events SET deleted_at = now(), cancelled_at = coalesce(cancelled_at, now()) WHERE id = \(f.eventID)")
            let publisher = ReportPublisher(pool: h.pool, metrics: h.app.metrics)
            #expect(try await publisher.publishOnce(now: Date()) == [])
        }
    }

    @Test func openADRReport_isPublished_andValidAgainstTheSpec() async throws {
        try await ReportHarness.run { h in
            let f = try await Self.build(h)
            let publisher = ReportPublisher(pool: h.pool, metrics: h.app.metrics)
            #expect(try await publisher.publishOnce(now: Date()) == [f.eventID])
            #expect(try await publisher.publishOnce(now: Date()) == [])  // nothing newly final
            let listed = try await h.http("GET", "/openadr3/3.0.1/reports?eventID=\(f.eventID)", token: f.token)
            #expect(listed.status == 200, "\(listed.text)")
            let reports = try OpenADRJSON.decode([Report].self, from: listed.body)
            let report = try #require(reports.first)
            #expect(reports.count == 1)
            _ = try report.validated()
            #expect(report.clientName == "curtail")
            let aggregate = try #require(report.resources.first { $0.resourceName == ReportResource.aggregatedReport })
            #expect(aggregate.intervals.map(\.id) == [0, 1])
            let types = Set(aggregate.intervals[0].payloads.map(\.type))
            #expect(types == ["BASELINE", "DEMAND", "USAGE", "DELTA_USAGE"])
            let delta = aggregate.intervals[1].payloads.first { $0.type == "DELTA_USAGE" }!.values[0].doubleValue!
            #expect(abs(delta + (7.2 + 3.36)) < 0.01)  // curtailed = −DELTA_USAGE
            #expect(report.resources.count == 10)  // aggregate + 9 vehicles with OPERATING_STATE
            // Against the spec's own schema (JSON Schema, formats checked).
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("curtail-report-\(UUID().uuidString).json")
            try listed.body.write(to: file)
            let array = try JSONSerialization.jsonObject(with: listed.body) as! [Any]
            try JSONSerialization.data(withJSONObject: array[0]).write(to: file)
            let result = try Self.runValidator(schema: "report", file: file.path)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    static func runValidator(schema: String, file: String) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/lib/validate_openadr.py").path, schema, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
