import Foundation

/// One stored telemetry sample (`telemetry_samples`), as measurement reads it.
public struct PowerSample: Sendable, Hashable {
    public var at: Date
    /// Grid power in kW; `nil` when the vendor did not say.
    public var powerKW: Double?
    /// `nil` when the plug state is unknown.
    public var pluggedIn: Bool?
    public var charging: Bool?
    /// State of charge, percent.
    public var soc: Double?

    public init(at: Date, powerKW: Double?, pluggedIn: Bool? = nil, charging: Bool? = nil, soc: Double? = nil) {
        self.at = at
        self.powerKW = powerKW
        self.pluggedIn = pluggedIn
        self.charging = charging
        self.soc = soc
    }

    /// Decodes the compact row: power in W, SoC in tenths of a percent, flags bit 0 plugged, bit 1 charging, bit 2
    /// state known.
    public init(at: Date, powerW: Int?, socPermille: Int?, flags: Int) {
        let known = flags & 4 != 0
        self.init(
            at: at, powerKW: powerW.map { Double($0) / 1000 }, pluggedIn: known ? flags & 1 != 0 : nil,
            charging: known ? flags & 2 != 0 : nil, soc: socPermille.map { Double($0) / 10 })
    }

    /// The sample with `nominalKW` as its power when the vendor reports charging but no power (Smartcar v2.0 has
    /// no power, amps or voltage): the vehicle's rated draw, voltage × maximum amps × phases from its record.
    public func estimatingPower(nominalKW: Double?) -> PowerSample {
        guard powerKW == nil, charging == true, pluggedIn != false, let nominalKW else { return self }
        var copy = self
        copy.powerKW = nominalKW
        return copy
    }

    /// What the vehicle drew at this sample: its power, or 0 when it is known to be unplugged or not charging.
    /// `nil` when unknown (the sample is skipped: the previous one holds).
    public var drawKW: Double? {
        if pluggedIn == false || charging == false { return 0 }
        return powerKW.map { max(0, $0) }
    }
}

/// The measurement method of DESIGN §6, as pure functions (see README "Measurement and verification").
public enum Measurement {
    /// The time-weighted average draw over [`start`, `end`), with step interpolation: a sample holds until the next.
    ///
    /// The last sample before `start` covers the window from `start`. Time before the first usable sample is not
    /// covered and is left out of the average; `nil` when nothing covers the window (no telemetry).
    public static func averagePowerKW(_ samples: [PowerSample], from start: Date, to end: Date) -> Double? {
        guard end > start else { return nil }
        let usable = samples.filter { $0.drawKW != nil }.sorted { $0.at < $1.at }
        var energy = 0.0, covered = 0.0
        for (index, sample) in usable.enumerated() {
            let segmentEnd = index + 1 < usable.count ? usable[index + 1].at : end
            let from = max(sample.at, start), to = min(segmentEnd, end)
            guard to > from else { continue }
            let seconds = to.timeIntervalSince(from)
            energy += sample.drawKW! * seconds
            covered += seconds
        }
        return covered > 0 ? energy / covered : nil
    }

    /// What the vehicle would have drawn without Curtail, for DESIGN §6's per-vehicle baseline.
    public struct Baseline: Sendable, Hashable {
        /// Charging power just before curtailment (the capture sample); 0 when it was not charging.
        public var powerKW: Double
        /// When that power was observed.
        public var from: Date
        /// When it would have reached its charge limit at that power (`nil`: unknown, no cap).
        public var fullAt: Date?
        /// When the driver unplugged (the counterfactual draws nothing from then on), if seen.
        public var unpluggedAt: Date?

        public init(powerKW: Double, from: Date, fullAt: Date? = nil, unpluggedAt: Date? = nil) {
            self.powerKW = powerKW
            self.from = from
            self.fullAt = fullAt
            self.unpluggedAt = unpluggedAt
        }

        /// The baseline's average over [`start`, `end`): the captured power until the charge limit would have been
        /// reached or the vehicle was unplugged, then 0.
        public func averageKW(from start: Date, to end: Date) -> Double {
            guard end > start, powerKW > 0 else { return 0 }
            var stop = end
            if let fullAt { stop = min(stop, fullAt) }
            if let unpluggedAt { stop = min(stop, unpluggedAt) }
            guard stop > start else { return 0 }
            return powerKW * stop.timeIntervalSince(start) / end.timeIntervalSince(start)
        }
    }

    /// Builds a vehicle's baseline from its capture sample (the last sample at or before its first curtailment
    /// command, or before the event started if it was never commanded) and the samples after it.
    ///
    /// - Parameters:
    ///   - capture: the sample just before curtailment; `nil` (no telemetry) gives a zero baseline.
    ///   - later: samples after it, to find an unplug.
    ///   - batteryKWh: usable capacity; with the SoC and the charge limit it caps the baseline's energy.
    ///   - chargeLimit: percent.
    public static func baseline(capture: PowerSample?, later: [PowerSample], batteryKWh: Double?, chargeLimit: Double?) -> Baseline {
        guard let capture else { return Baseline(powerKW: 0, from: .distantPast) }
        let power = capture.pluggedIn == false || capture.charging == false ? 0 : max(0, capture.powerKW ?? 0)
        var fullAt: Date?
        if power > 0, let batteryKWh, let chargeLimit, let soc = capture.soc {
            let remainingKWh = max(0, (chargeLimit - soc) / 100 * batteryKWh)
            fullAt = capture.at.addingTimeInterval(remainingKWh / power * 3600)
        }
        let unpluggedAt = later.filter { $0.at > capture.at && $0.pluggedIn == false }.map(\.at).min()
        return Baseline(powerKW: power, from: capture.at, fullAt: fullAt, unpluggedAt: unpluggedAt)
    }

    /// Curtailed kW for one vehicle and interval: `max(0, baseline − max(measured, floor))`.
    ///
    /// `floor` is what the vehicle was still allowed to draw (its planned kW under a current limit, 0 when
    /// stopped): a car limited to 16 A that stops on its own is not credited with more than the limit took away.
    /// A vehicle Curtail did not curtail (`curtailed == false`) is credited nothing, whatever it did.
    public static func curtailedKW(baseline: Double, measured: Double?, floor: Double = 0, curtailed: Bool = true) -> Double {
        guard curtailed, let measured else { return 0 }
        return max(0, baseline - max(measured, floor))
    }
}
