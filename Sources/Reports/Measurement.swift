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

/// A command the vendor confirmed (`vehicle_commands` with outcome `done` or `already`), read as an observation of
/// the vehicle's charging state at the time it was recorded: the vendor's word that the car stopped, started or was
/// limited. A real sample taken later overrides it.
public struct ConfirmedCommand: Sendable, Hashable {
    public enum Effect: Sendable, Hashable {
        /// Not charging from then on: a stop, "already not charging", or a start answered "already full".
        case stopped
        /// Charging again (a restore's start, or "already charging").
        case started
        /// Charging current limited to this many amps.
        case amps(Int)
    }

    public var at: Date
    public var effect: Effect

    public init(at: Date, effect: Effect) {
        self.at = at
        self.effect = effect
    }

    /// Reads a `vehicle_commands` row (`command` is `<step>:<command>`, e.g. `0:stop_charging`,
    /// `1:set_charging_amps:16`); `nil` for rows that say nothing about charging: capture reads, wakes, charge
    /// limits, and anything not confirmed (failed, retried, asleep, rate limited).
    public init?(at: Date, command: String, outcome: String, reason: String?) {
        guard outcome == "done" || outcome == "already" else { return nil }
        var parts = command.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, Int(parts[0]) != nil else { return nil }
        parts.removeFirst()
        switch parts[0] {
        case "stop_charging":
            effect = .stopped
        case "start_charging":
            // "Already" to a start: charging already (Tesla is_charging/requested, Smartcar CHARGING_IN_PROGRESS), or
            // full (Tesla complete, Smartcar FULLY_CHARGED), which draws nothing.
            let full = outcome == "already" && (reason?.contains("complete") == true || reason?.contains("FULLY_CHARGED") == true)
            effect = full ? .stopped : .started
        case "set_charging_amps":
            guard parts.count == 2, let amps = Int(parts[1]), amps >= 0 else { return nil }
            effect = .amps(amps)
        default:
            return nil
        }
        self.at = at
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

    /// One vehicle's timeline of observations: its samples merged with its confirmed commands, each command turned
    /// into a sample of what the vendor confirmed, so ``averagePowerKW(_:from:to:)`` measures both alike.
    ///
    /// A stop gives 0 kW. A start gives the capture's power (what the car drew before Curtail touched it), under the
    /// amps limit if one is in force. An amps limit gives `amps × kWPerAmp` (volts × phases / 1000 from the vehicle
    /// record), at most the capture's power, while the car is (or may be) charging; a stopped car stays at 0 until
    /// a start. A sample resets what is known about charging; its own power stands. On a tie the sample comes
    /// last and wins. Without a charging capture a start or limit has no power to give and adds nothing.
    public static func observations(samples: [PowerSample], commands: [ConfirmedCommand], capture: PowerSample?, kWPerAmp: Double)
        -> [PowerSample]
    {
        guard !commands.isEmpty else { return samples }
        let capturedKW = capture.flatMap(\.drawKW).flatMap { $0 > 0 ? $0 : nil }
        var limit: Int?
        var charging: Bool?
        func runningKW() -> Double? {
            guard let capturedKW else { return nil }
            guard let limit else { return capturedKW }
            return min(capturedKW, Double(limit) * kWPerAmp)
        }
        var timeline: [PowerSample] = []
        timeline.reserveCapacity(samples.count + commands.count)
        let sortedSamples = samples.sorted { $0.at < $1.at }, sortedCommands = commands.sorted { $0.at < $1.at }
        var s = 0, c = 0
        while s < sortedSamples.count || c < sortedCommands.count {
            if c < sortedCommands.count && (s == sortedSamples.count || sortedCommands[c].at <= sortedSamples[s].at) {
                let command = sortedCommands[c]
                c += 1
                switch command.effect {
                case .stopped:
                    charging = false
                    timeline.append(PowerSample(at: command.at, powerKW: 0, charging: false))
                case .started:
                    charging = true
                    if let kw = runningKW() { timeline.append(PowerSample(at: command.at, powerKW: kw, charging: true)) }
                case .amps(let amps):
                    limit = amps
                    if charging != false, let kw = runningKW() { timeline.append(PowerSample(at: command.at, powerKW: kw, charging: true)) }
                }
            } else {
                let sample = sortedSamples[s]
                s += 1
                if let draw = sample.drawKW { charging = draw > 0 }
                timeline.append(sample)
            }
        }
        return timeline
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
