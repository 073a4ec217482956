import Foundation
import Planner
import Reports
import Testing

@Suite struct MeasurementTests {
    let t0 = Date(timeIntervalSince1970: 2_000_000_000)
    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    @Test func averagePower_isTimeWeighted_withStepInterpolation() {
        // 10 kW until 600 s, 0 until 1200 s, 4 kW after: over [0, 1800) → (10·600 + 0 + 4·600) / 1800.
        let samples = [PowerSample(at: at(-30), powerKW: 10), PowerSample(at: at(600), powerKW: 0), PowerSample(at: at(1200), powerKW: 4)]
        let average = Measurement.averagePowerKW(samples, from: t0, to: at(1800))
        #expect(abs(average! - (10 * 600 + 4 * 600) / 1800.0) < 1e-9)
    }

    @Test func averagePower_leavesOutUncoveredTime_andSkipsUnknownSamples() {
        // First sample at 900 s: only [900, 1800) counts. A sample with unknown power holds the previous one.
        let samples = [PowerSample(at: at(900), powerKW: 6), PowerSample(at: at(1200), powerKW: nil)]
        #expect(Measurement.averagePowerKW(samples, from: t0, to: at(1800)) == 6)
        #expect(Measurement.averagePowerKW([], from: t0, to: at(1800)) == nil)
    }

    @Test func averagePower_countsUnpluggedAndNotChargingAsZero() {
        let samples = [
            PowerSample(at: at(0), powerKW: 7.2, pluggedIn: true, charging: true),
            PowerSample(at: at(900), powerKW: 7.2, pluggedIn: false, charging: false),
        ]
        #expect(abs(Measurement.averagePowerKW(samples, from: t0, to: at(1800))! - 3.6) < 1e-9)
    }

    @Test func baseline_isZero_forAVehicleNotChargingAtCapture() {
        let capture = PowerSample(at: at(-10), powerKW: 0, pluggedIn: true, charging: false, soc: 50)
        #expect(Measurement.baseline(capture: capture, later: [], batteryKWh: 75, chargeLimit: 90).averageKW(from: t0, to: at(1800)) == 0)
        #expect(Measurement.baseline(capture: nil, later: [], batteryKWh: 75, chargeLimit: 90).averageKW(from: t0, to: at(1800)) == 0)
    }

    @Test func baseline_isCapped_atTheChargeLimit() {
        // 1.5 kWh to go at 7.2 kW: full 750 s after the capture (at 10 s), so 760 s of the first 1800.
        let capture = PowerSample(at: at(10), powerKW: 7.2, pluggedIn: true, charging: true, soc: 88)
        let baseline = Measurement.baseline(capture: capture, later: [], batteryKWh: 75, chargeLimit: 90)
        #expect(abs(baseline.averageKW(from: t0, to: at(1800)) - 7.2 * 760 / 1800) < 1e-9)
        #expect(baseline.averageKW(from: at(1800), to: at(3600)) == 0)
    }

    @Test func baseline_stops_whenTheVehicleIsUnplugged() {
        let capture = PowerSample(at: at(10), powerKW: 7.2, pluggedIn: true, charging: true, soc: 50)
        let later = [PowerSample(at: at(900), powerKW: 0, pluggedIn: false, charging: false)]
        let baseline = Measurement.baseline(capture: capture, later: later, batteryKWh: 75, chargeLimit: 90)
        #expect(abs(baseline.averageKW(from: t0, to: at(1800)) - 3.6) < 1e-9)
    }

    @Test func curtailed_isBaselineMinusMeasured_neverNegative_andBoundedByTheAllowedDraw() {
        #expect(Measurement.curtailedKW(baseline: 7.2, measured: 1.2) == 6.0)
        #expect(Measurement.curtailedKW(baseline: 3, measured: 5) == 0)
        // Limited to 3.84 kW but stopped on its own: credited only what the limit took away.
        #expect(abs(Measurement.curtailedKW(baseline: 7.2, measured: 0, floor: 3.84) - 3.36) < 1e-9)
        // Not curtailed by Curtail (control, opted out): nothing credited, whatever it drew.
        #expect(Measurement.curtailedKW(baseline: 7.2, measured: 0, curtailed: false) == 0)
        #expect(Measurement.curtailedKW(baseline: 7.2, measured: nil) == 0)
    }

    @Test func participation_isDerivedFromPlanAndLastCommand() {
        typealias P = ParticipationState
        #expect(P.derive(target: "normal", ineligible: "control_group", lastCommand: nil) == .control)
        #expect(P.derive(target: "normal", ineligible: "opted_out", lastCommand: nil) == .optedOut)
        #expect(P.derive(target: "normal", ineligible: "below_minimum_soc", lastCommand: nil).rawValue == "ineligible:below_minimum_soc")
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: nil) == .commanded)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "capture", outcome: "done")) == .commanded)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "0:stop", outcome: "done")) == .confirmed)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "0:stop", outcome: "already")) == .confirmed)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "none", outcome: "already", reason: "not_plugged_in")) == .notPluggedIn)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "0:stop", outcome: "failed")) == .failed)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "0:stop", outcome: "asleep", attempt: 2)) == .commanded)
        #expect(P.derive(target: "stopped", ineligible: nil, lastCommand: .init(command: "0:stop", outcome: "retry", attempt: 8)) == .unreachable)
    }

    @Test func controlEstimate_scalesTheTreatedPreEventDrawByTheControlsDrift() {
        // Controls of very different powers each still draw 90 % of their pre-event draw.
        let control = ControlEstimate.Sums([(7.2, 6.48), (11, 9.9), (3.8, 3.42), (22, 19.8)])
        let treatment = ControlEstimate.Sums([(7.2, 0), (11, 0.5), (4, 0)])
        let estimate = ControlEstimate.estimate(control: control, treatment: treatment)!
        #expect(abs(estimate.control_ratio! - 0.9) < 1e-12)
        #expect(abs(estimate.kw - (0.9 * 22.2 - 0.5)) < 1e-9)
        #expect(estimate.ci95[0] < estimate.kw && estimate.kw < estimate.ci95[1])
        // The difference of means would credit the controls' higher powers as curtailment: 0.9·44/4·3 − 0.5 = 29.2.
        let differenceOfMeans = (control.measured / 4 - treatment.measured / 3) * 3
        #expect(abs(differenceOfMeans - estimate.kw) > 8)
        #expect(ControlEstimate.estimate(control: ControlEstimate.Sums([(7, 7)]), treatment: treatment) == nil)
        #expect(ControlEstimate.estimate(control: ControlEstimate.Sums([(0, 1), (0, 2)]), treatment: treatment) == nil)
        #expect(ControlEstimate.estimate(control: control, treatment: ControlEstimate.Sums()) == nil)
    }

    @Test func controlEstimate_interval_byHand() {
        // Three controls that all kept charging: no scatter seen, so the bounded-draw floor sets s².
        let treatment = ControlEstimate.Sums([(7, 0), (7, 0), (11, 0)])
        let estimate = ControlEstimate.estimate(control: ControlEstimate.Sums([(7, 7), (7, 7), (11, 11)]), treatment: treatment)!
        #expect(abs(estimate.kw - 25) < 1e-9)
        let z2 = 1.96 * 1.96, meanPre = 25.0 / 3
        let shrunk = (25 + z2 / 2 * meanPre) / (25 + z2 * meanPre)
        let s2 = shrunk * (1 - shrunk) * (49 + 49 + 121) / 3
        let variance = 25 * 25 * s2 / (3 * meanPre * meanPre) + 3 * s2
        #expect(abs((estimate.ci95[1] - estimate.kw) - 4.303 * variance.squareRoot()) < 1e-9)
        #expect(abs((estimate.kw - estimate.ci95[0]) - 4.303 * variance.squareRoot()) < 1e-9)
        // Scatter the controls did show widens the interval past the floor.
        let steady = ControlEstimate.Sums(Array(repeating: (7.0, 7.0), count: 30) + Array(repeating: (11.0, 11.0), count: 30))
        let scattered = ControlEstimate.Sums(
            Array(repeating: (7.0, 7.0), count: 30) + Array(repeating: (11.0, 11.0), count: 15) + Array(repeating: (11.0, 0.0), count: 15))
        let narrow = ControlEstimate.estimate(control: steady, treatment: treatment)!
        let wide = ControlEstimate.estimate(control: scattered, treatment: treatment)!
        #expect(narrow.ci95[1] - narrow.ci95[0] < wide.ci95[1] - wide.ci95[0])
        #expect(ControlEstimate.studentT975(degreesOfFreedom: 2) == 4.303)
        #expect(ControlEstimate.studentT975(degreesOfFreedom: 40) > 2.01 && ControlEstimate.studentT975(degreesOfFreedom: 40) < 2.03)
    }

    /// Repeated random 5 % hold-backs from one synthetic 400-vehicle fleet (seeded): the estimate is centred on the
    /// truth and its 95 % interval covers the truth in at least about 95 % of draws, whether cars stop often
    /// (15 % of them in the interval) or rarely (3 %).
    @Test(arguments: [0.85, 0.97])
    func controlEstimate_isUnbiasedAndCovers_overRandomHoldBacks(keepsCharging: Double) {
        var rng = SeededGenerator(seed: 7)
        let powers = (0..<400).map { _ in [3.8, 7.2, 7.7, 11, 11.5, 22][Int.random(in: 0..<6, using: &rng)] }
        var covered = 0, errors: [Double] = []
        for _ in 0..<400 {
            var control = ControlEstimate.Sums(), treatment = ControlEstimate.Sums()
            var truth = 0.0
            for power in powers {
                // Without Curtail it keeps drawing, or it fills up and draws nothing; curtailed, it draws nothing.
                let wouldDraw = Double.random(in: 0..<1, using: &rng) < keepsCharging ? power : 0
                if Double.random(in: 0..<1, using: &rng) < 0.05 {
                    control.add(pre: power, measured: wouldDraw)
                } else {
                    treatment.add(pre: power, measured: 0)
                    truth += wouldDraw
                }
            }
            guard let estimate = ControlEstimate.estimate(control: control, treatment: treatment) else { continue }
            errors.append((estimate.kw - truth) / truth)
            if estimate.ci95[0] <= truth && truth <= estimate.ci95[1] { covered += 1 }
        }
        let meanError = errors.reduce(0, +) / Double(errors.count)
        #expect(abs(meanError) < 0.02, "mean relative error \(meanError)")
        #expect(Double(covered) / Double(errors.count) >= 0.93, "coverage \(covered)/\(errors.count)")
    }

    @Test func controlGroup_isDeterministic_andHoldsBackAboutTheShare() {
        let group = ControlGroup(share: 0.05)
        let ids = (0..<20_000).map { _ in UUID().uuidString.lowercased() }
        let held = ids.filter { group.contains(eventID: "e-1", vehicleID: $0) }.count
        #expect((800...1200).contains(held))
        #expect(ids.allSatisfy { group.contains(eventID: "e-1", vehicleID: $0) == group.contains(eventID: "e-1", vehicleID: $0.uppercased()) })
        #expect(!ControlGroup(share: 0).contains(eventID: "e-1", vehicleID: ids[0]))
        let plan = VehiclePlan(vehicleID: ids.first { group.contains(eventID: "e-1", vehicleID: $0) }!, target: .stopped, eligibility: .eligible, baselineKW: 7, plannedKW: 0)
        let held1 = group.apply(to: plan, eventID: "e-1")
        #expect(held1.target == .normal && held1.eligibility.reason?.rawValue == "control_group" && held1.plannedKW == 7)
    }
}

/// Confirmed commands as observations, merged with the samples into one timeline per vehicle.
@Suite struct ConfirmedCommandTests {
    let t0 = Date(timeIntervalSince1970: 2_000_000_000)
    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    /// A Smartcar car's capture: charging, no power reported, filled in with its rated 7.68 kW.
    var capture: PowerSample { PowerSample(at: at(-60), powerKW: nil, pluggedIn: true, charging: true, soc: 50).estimatingPower(nominalKW: 7.68) }

    @Test func parsesWhatTheReconcilerRecords() {
        #expect(ConfirmedCommand(at: t0, command: "0:stop_charging", outcome: "done", reason: nil)?.effect == .stopped)
        #expect(ConfirmedCommand(at: t0, command: "0:stop_charging", outcome: "already", reason: "VEHICLE_STATE:NOT_CHARGING")?.effect == .stopped)
        #expect(ConfirmedCommand(at: t0, command: "1:set_charging_amps:16", outcome: "done", reason: nil)?.effect == .amps(16))
        #expect(ConfirmedCommand(at: t0, command: "0:start_charging", outcome: "done", reason: nil)?.effect == .started)
        #expect(ConfirmedCommand(at: t0, command: "0:start_charging", outcome: "already", reason: "is_charging")?.effect == .started)
        #expect(ConfirmedCommand(at: t0, command: "0:start_charging", outcome: "already", reason: "complete")?.effect == .stopped)
        #expect(ConfirmedCommand(at: t0, command: "0:start_charging", outcome: "already", reason: "VEHICLE_STATE:FULLY_CHARGED")?.effect == .stopped)
        // Not confirmed, or saying nothing about charging.
        #expect(ConfirmedCommand(at: t0, command: "0:stop_charging", outcome: "failed", reason: "refused") == nil)
        #expect(ConfirmedCommand(at: t0, command: "0:stop_charging", outcome: "retry", reason: nil) == nil)
        #expect(ConfirmedCommand(at: t0, command: "capture", outcome: "done", reason: nil) == nil)
        #expect(ConfirmedCommand(at: t0, command: "none", outcome: "already", reason: "not_charging") == nil)
        #expect(ConfirmedCommand(at: t0, command: "wake", outcome: "done", reason: nil) == nil)
        #expect(ConfirmedCommand(at: t0, command: "0:set_charge_limit:80", outcome: "done", reason: nil) == nil)
    }

    @Test func aConfirmedStop_withNoLaterSample_isCurtailed() {
        // Stopped 20 s into a 1800 s interval, never sampled again: 7.68 kW for 20 s, then 0.
        let stop = ConfirmedCommand(at: at(20), effect: .stopped)
        let timeline = Measurement.observations(samples: [capture], commands: [stop], capture: capture, kWPerAmp: 0.24)
        let measured = Measurement.averagePowerKW(timeline, from: t0, to: at(1800))!
        #expect(abs(measured - 7.68 * 20 / 1800) < 1e-9)
        let baseline = Measurement.baseline(capture: capture, later: timeline, batteryKWh: 75, chargeLimit: 90).averageKW(from: t0, to: at(1800))
        #expect(abs(Measurement.curtailedKW(baseline: baseline, measured: measured) - 7.68 * 1780 / 1800) < 1e-9)
        // Without the command the car would count as charging all along: nothing curtailed.
        #expect(Measurement.averagePowerKW([capture], from: t0, to: at(1800)) == 7.68)
    }

    @Test func aLaterSample_overridesTheConfirmedStop() {
        // Stopped at 20 s, but a sample at 900 s shows it charging again at 7 kW: charging from the sample on.
        let stop = ConfirmedCommand(at: at(20), effect: .stopped)
        let again = PowerSample(at: at(900), powerKW: 7, pluggedIn: true, charging: true)
        let timeline = Measurement.observations(samples: [capture, again], commands: [stop], capture: capture, kWPerAmp: 0.24)
        let measured = Measurement.averagePowerKW(timeline, from: t0, to: at(1800))!
        #expect(abs(measured - (7.68 * 20 + 7 * 900) / 1800) < 1e-9)
        // A sample and a command at the same instant: the sample wins.
        let tie = Measurement.observations(
            samples: [capture, PowerSample(at: at(20), powerKW: 7, pluggedIn: true, charging: true)], commands: [stop], capture: capture, kWPerAmp: 0.24)
        #expect(abs(Measurement.averagePowerKW(tie, from: t0, to: at(1800))! - (7.68 * 20 + 7 * 1780) / 1800) < 1e-9)
    }

    @Test func aConfirmedAmpsLimit_drawsTheLimitedPower_andARestoreTheCapturesPower() {
        // 16 A at 230 V on 3 phases = 11.04 kW, below an 11.5 kW capture; restored (amps back to 32, start) at 1200 s.
        let captured = PowerSample(at: at(-60), powerKW: 11.5, pluggedIn: true, charging: true)
        let commands = [
            ConfirmedCommand(at: at(0), effect: .amps(16)), ConfirmedCommand(at: at(1200), effect: .amps(32)),
            ConfirmedCommand(at: at(1201), effect: .started),
        ]
        let timeline = Measurement.observations(samples: [captured], commands: commands, capture: captured, kWPerAmp: 0.69)
        let measured = Measurement.averagePowerKW(timeline, from: t0, to: at(1800))!
        #expect(abs(measured - (11.04 * 1200 + 11.5 * 600) / 1800) < 1e-9)
        // A limit above what the car drew takes nothing away; a limit on a stopped car leaves it at 0.
        let loose = Measurement.observations(samples: [captured], commands: [ConfirmedCommand(at: at(0), effect: .amps(32))], capture: captured, kWPerAmp: 0.69)
        #expect(Measurement.averagePowerKW(loose, from: t0, to: at(1800)) == 11.5)
        let stoppedThenLimited = Measurement.observations(
            samples: [captured], commands: [ConfirmedCommand(at: at(0), effect: .stopped), ConfirmedCommand(at: at(10), effect: .amps(16))],
            capture: captured, kWPerAmp: 0.69)
        #expect(Measurement.averagePowerKW(stoppedThenLimited, from: t0, to: at(1800)) == 0)
        // Started again after the stop, still under the 16 A limit.
        let restarted = Measurement.observations(
            samples: [captured], commands: [ConfirmedCommand(at: at(0), effect: .stopped), ConfirmedCommand(at: at(10), effect: .amps(16)),
                                            ConfirmedCommand(at: at(900), effect: .started)],
            capture: captured, kWPerAmp: 0.69)
        #expect(abs(Measurement.averagePowerKW(restarted, from: t0, to: at(1800))! - 11.04 * 900 / 1800) < 1e-9)
    }

    @Test func withoutAChargingCapture_aStartAddsNothing() {
        let idle = PowerSample(at: at(-60), powerKW: 0, pluggedIn: true, charging: false)
        let timeline = Measurement.observations(samples: [idle], commands: [ConfirmedCommand(at: at(0), effect: .started)], capture: idle, kWPerAmp: 0.24)
        #expect(timeline == [idle])
    }
}

@Suite struct PowerEstimateTests {
    @Test func aChargingSampleWithoutPower_drawsTheRatedPower() {
        let at = Date(timeIntervalSince1970: 0)
        #expect(PowerSample(at: at, powerKW: nil, pluggedIn: true, charging: true).estimatingPower(nominalKW: 7.68).drawKW == 7.68)
        #expect(PowerSample(at: at, powerKW: nil, pluggedIn: true, charging: false).estimatingPower(nominalKW: 7.68).drawKW == 0)
        #expect(PowerSample(at: at, powerKW: 3, pluggedIn: true, charging: true).estimatingPower(nominalKW: 7.68).drawKW == 3)
        #expect(PowerSample(at: at, powerKW: nil).estimatingPower(nominalKW: 7.68).drawKW == nil)
    }
}

/// SplitMix64, so randomised tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
