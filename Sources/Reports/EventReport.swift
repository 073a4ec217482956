import Foundation

/// `GET /v1/events/{id}/report`: the event's measurement, per interval (DESIGN §4, §6). Field names are the JSON's.
public struct EventReport: Sendable, Codable {
    public struct Requested: Sendable, Codable, Hashable {
        /// The OpenADR payload type: `SIMPLE` or `IMPORT_CAPACITY_LIMIT`.
        public var type: String
        public var value: Double
        public var units: String?
    }

    public struct IntervalDetail: Sendable, Codable, Hashable {
        /// Counts by participation state (``ParticipationState``).
        public var participation: [String: Int]
        /// Vehicles Curtail tried to curtail in the interval (the treatment group).
        public var curtailed_vehicles: Int
        /// Treatment vehicles with no telemetry covering the interval (counted as 0 curtailed).
        public var missing_telemetry: Int
        /// All planned vehicles' measured draw, control and ineligible included.
        public var fleet_measured_kw: Double
        public var control_estimate_kw: ControlEstimate?

        public init(
            participation: [String: Int], curtailed_vehicles: Int, missing_telemetry: Int, fleet_measured_kw: Double,
            control_estimate_kw: ControlEstimate?
        ) {
            self.participation = participation
            self.curtailed_vehicles = curtailed_vehicles
            self.missing_telemetry = missing_telemetry
            self.fleet_measured_kw = fleet_measured_kw
            self.control_estimate_kw = control_estimate_kw
        }
    }

    public struct Interval: Sendable, Codable {
        public var index: Int
        public var start: Date
        /// ISO 8601 duration, as in the event.
        public var duration: String
        public var requested: Requested?
        /// Σ baseline kW of the curtailed vehicles (DESIGN §6).
        public var baseline_kw: Double
        /// Σ measured kW (time-weighted average) of the same vehicles.
        public var measured_kw: Double
        /// Σ max(0, baseline − measured) over the same vehicles.
        public var curtailed_kw: Double
        /// curtailed kW × duration.
        public var curtailed_kwh: Double
        public var participation: [String: Int]
        public var curtailed_vehicles: Int
        public var missing_telemetry: Int
        public var fleet_measured_kw: Double
        /// The hold-back estimate with its 95 % interval; absent without a control group.
        public var control_estimate_kw: ControlEstimate?
        /// `false` while the interval is still running (numbers so far).
        public var final: Bool
        public var computed_at: Date
    }

    public struct Rebound: Sendable, Codable {
        public var start: Date
        public var duration: String
        /// Σ baseline and measured kW of the event's curtailed vehicles after the event's end.
        public var baseline_kw: Double
        public var measured_kw: Double
        /// Σ max(0, measured − baseline): draw above baseline once restores begin.
        public var rebound_kw: Double
        public var final: Bool
    }

    public var event_id: String
    public var program_id: String
    public var event_name: String?
    /// `scheduled`, `active`, `completed` or `cancelled`.
    public var status: String
    public var start: Date
    public var end: Date
    /// Counts by participation state in the current (or last started) interval.
    public var participation: [String: Int]
    public var intervals: [Interval]
    /// Peak of ``rebound`` (kW), 0 before the event's end.
    public var rebound_kw: Double
    public var rebound: [Rebound]
    public var vendor_requests: VendorRequests
    public var totals: Totals
    /// How the numbers were computed, for an M&V reviewer (README "Measurement and verification").
    public var method: String

    public struct Totals: Sendable, Codable {
        public var curtailed_kwh: Double
        public var vehicles: Int
    }
}

/// Vendor requests made for an event (its curtailments and their restores) and their estimated cost.
public struct VendorRequests: Sendable, Codable, Hashable {
    public struct Count: Sendable, Codable, Hashable {
        public var vendor: String
        /// `data` (capture reads), `command`, `wake`.
        public var kind: String
        public var outcome: String
        public var count: Int
        public var mean_latency_ms: Double
    }

    public var total: Int
    public var counts: [Count]
    /// Estimated, in USD: Tesla Fleet API prices (data $0.002, command $0.001, wake $0.02; requests ending ≥ 500,
    /// here the `retry` outcomes, are free). Smartcar bills by plan, not per request: counted, not priced.
    public var estimated_cost_usd: Double
    public var pricing: String

    public static let pricingNote =
        "Tesla Fleet API: data $0.002, command $0.001, wake $0.02 per billable request (status < 500; 'retry' outcomes counted as free); Smartcar: plan-based, not priced per request"

    public static func price(vendor: String, kind: String, outcome: String) -> Double {
        guard vendor == "tesla", outcome != "retry" else { return 0 }
        switch kind {
        case "data": return 0.002
        case "wake": return 0.02
        case "command": return 0.001
        default: return 0
        }
    }

    public static func kind(ofCommand command: String) -> String? {
        if command == "capture" || command.hasSuffix(":capture") { return "data" }
        if command == "wake" { return "wake" }
        if command == "none" { return nil }
        return "command"
    }
}
