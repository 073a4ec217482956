import Foundation
import OpenADR
import Postgres

extension ReportStore {
    /// The `clientName` Curtail's own report objects carry.
    public static let clientName = "curtail"

    /// The event's measurement as an OpenADR 3.0.1 `report` (openadr/README §10): one `AGGREGATED_REPORT` resource
    /// whose interval ids repeat the event's, with `BASELINE` (KW, ESTIMATED), `DEMAND` (KW, MEAN), `USAGE` (KWH)
    /// and `DELTA_USAGE` (KW, MEAN) = −curtailed kW (Curtail's sign convention: the change Curtail caused; it equals
    /// DEMAND − BASELINE except where a vehicle's own stop or a draw above baseline is not credited, DESIGN §6); and, for events of at most
    /// ``perVehicleResourceLimit`` vehicles, one resource per vehicle with `OPERATING_STATE` (plus `DATA_QUALITY`
    /// `MISSING` without telemetry). Only intervals measured so far are included.
    public func openADRReport(eventID: String, now: Date = Date()) async throws -> Report {
        let report = try await report(eventID: eventID, now: now, maxAge: 30)
        let event = try await event(eventID)
        let ids = Dictionary(uniqueKeysWithValues: event.timeline.intervals.map { ($0.index, $0.id) })
        let measured = report.intervals.filter { $0.start <= now && !$0.participation.isEmpty }
        func period(_ start: Date, _ duration: String) -> IntervalPeriod {
            IntervalPeriod(start: DateTime(start), duration: ISODuration(rfc: duration))
        }
        var resources: [ReportResource] = []
        resources.append(
            ReportResource(
                resourceName: ReportResource.aggregatedReport, intervalPeriod: measured.first.map { period($0.start, $0.duration) },
                intervals: measured.map { interval in
                    let hours = (ISODuration(rfc: interval.duration).map { Double($0.totalSecondsApproximation) } ?? 0) / 3600
                    return Interval(
                        id: ids[interval.index] ?? Int32(interval.index), intervalPeriod: period(interval.start, interval.duration),
                        payloads: [
                            ValuesMap(.baseline, [.number(Self.round(interval.baseline_kw))]),
                            ValuesMap(.demand, [.number(Self.round(interval.measured_kw))]),
                            ValuesMap(.usage, [.number(Self.round(interval.measured_kw * hours))]),
                            ValuesMap(.deltaUsage, [.number(Self.round(-interval.curtailed_kw))]),
                        ])
                }))
        if report.totals.vehicles <= perVehicleResourceLimit && !measured.isEmpty {
            let vehicles = try await vehicles(eventID: eventID, skip: 0, limit: perVehicleResourceLimit)
            let starts = Dictionary(uniqueKeysWithValues: measured.map { ($0.index, $0) })
            for vehicle in vehicles {
                let intervals: [Interval] = vehicle.intervals.compactMap { row in
                    guard let interval = starts[row.index] else { return nil }
                    var payloads = [ValuesMap(.operatingState, [.string(Self.operatingState(row))])]
                    if row.measured_kw == nil { payloads.append(ValuesMap(type: "DATA_QUALITY", values: [.string("MISSING")])) }
                    return Interval(id: ids[row.index] ?? Int32(row.index), intervalPeriod: period(interval.start, interval.duration), payloads: payloads)
                }
                guard !intervals.isEmpty else { continue }
                resources.append(ReportResource(resourceName: vehicle.vehicle_id, intervals: intervals))
            }
        }
        return Report(
            programID: event.programID, eventID: event.id, clientName: Self.clientName,
            reportName: "curtail measurement \(event.name ?? event.id)".filter { $0.isASCII }.prefix(100).description,
            payloadDescriptors: [
                ReportPayloadDescriptor(payloadType: .baseline, readingType: "ESTIMATED", units: Units("KW")),
                ReportPayloadDescriptor(payloadType: .demand, readingType: "MEAN", units: Units("KW")),
                ReportPayloadDescriptor(payloadType: .usage, readingType: "SUMMED", units: Units("KWH")),
                ReportPayloadDescriptor(payloadType: .deltaUsage, readingType: "MEAN", units: Units("KW")),
                ReportPayloadDescriptor(payloadType: .operatingState),
            ],
            resources: resources)
    }

    static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// The spec's OPERATING_STATE words for a vehicle's interval.
    static func operatingState(_ row: VehicleRow.IntervalRow) -> String {
        let running = (row.measured_kw ?? 0) > 0.05
        switch row.state {
        case "confirmed", "commanded": return running ? "RUNNING_CURTAILED" : "IDLE_CURTAILED"
        case "opted_out": return running ? "RUNNING_OPTED_OUT" : "IDLE_OPTED_OUT"
        case "failed", "unreachable": return "ERROR"
        default: return running ? "RUNNING_NORMAL" : "IDLE_NORMAL"
        }
    }
}

extension ISODuration {
    /// Parses an ISO 8601 duration as the events carry them.
    init?(rfc text: String) {
        guard let data = try? JSONEncoder().encode(text), let value = try? JSONDecoder().decode(ISODuration.self, from: data) else { return nil }
        self = value
    }

    /// Seconds, taking a day as 86,400 s (Curtail never emits Y or M).
    var totalSecondsApproximation: Int {
        let days = (weeks ?? 0) * 7 + (days ?? 0) + (months ?? 0) * 30 + (years ?? 0) * 365
        let total = Double(days * 86_400 + (hours ?? 0) * 3600 + (minutes ?? 0) * 60) + (seconds ?? 0)
        return Int(isNegative ? -total : total)
    }
}
