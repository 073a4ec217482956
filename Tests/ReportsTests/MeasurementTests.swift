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

    @Test func controlEstimate_isTheMeanDifferenceTimesTreatmentCount_withAWelchInterval() {
        let estimate = ControlEstimate.estimate(control: [7, 7.4, 7.2, 7.0], treatment: [0, 0.2, 0, 0.1, 0.3])!
        let cMean = 7.15, tMean = 0.12
        #expect(abs(estimate.kw - (cMean - tMean) * 5) < 1e-9)
        #expect(estimate.ci95[0] < estimate.kw && estimate.kw < estimate.ci95[1])
        let fromSums = ControlEstimate.estimate(control: (4, 28.6, 49 + 54.76 + 51.84 + 49), treatment: (5, 0.6, 0.04 + 0.01 + 0.09))!
        #expect(abs(fromSums.kw - estimate.kw) < 1e-9)
        #expect(abs(fromSums.ci95[1] - estimate.ci95[1]) < 1e-6)
        #expect(ControlEstimate.estimate(control: [7], treatment: [0, 0]) == nil)
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

@Suite struct PowerEstimateTests {
    @Test func aChargingSampleWithoutPower_drawsTheRatedPower() {
        let at = Date(timeIntervalSince1970: 0)
        #expect(PowerSample(at: at, powerKW: nil, pluggedIn: true, charging: true).estimatingPower(nominalKW: 7.68).drawKW == 7.68)
        #expect(PowerSample(at: at, powerKW: nil, pluggedIn: true, charging: false).estimatingPower(nominalKW: 7.68).drawKW == 0)
        #expect(PowerSample(at: at, powerKW: 3, pluggedIn: true, charging: true).estimatingPower(nominalKW: 7.68).drawKW == 3)
        #expect(PowerSample(at: at, powerKW: nil).estimatingPower(nominalKW: 7.68).drawKW == nil)
    }
}
