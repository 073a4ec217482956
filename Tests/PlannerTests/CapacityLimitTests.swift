import Foundation
import Testing

@testable import Planner

@Suite struct CapacityLimitTests {
    @Test func aCapAboveTheDraw_LeavesEveryoneNormal() {
        let result = plan(.cap(100), [.tesla("a"), .smartcar("b")])
        #expect(result.vehicles.allSatisfy { $0.target == .normal && $0.eligibility == .eligible })
        #expect(result.isFeasible && result.capKW == 100)
    }

    @Test func amps_AreWaterFilled_LowestSoCServedFirst() {
        // 3 × 7.68 kW; cap 15 kW: level 20 A for all (14.4 kW), then +1 A to the two lowest SoC (0.48 kW).
        let fleet: [VehicleSnapshot] = [.tesla("high", soc: 80), .tesla("low", soc: 20), .tesla("mid", soc: 50)]
        let result = plan(.cap(15), fleet)
        #expect(result["low"]?.target == .limited(amps: 21))
        #expect(result["mid"]?.target == .limited(amps: 21))
        #expect(result["high"]?.target == .limited(amps: 20))
        #expect(result.plannedKW <= 15 && result.isFeasible)
    }

    @Test func aVehicleDrawingLessThanItsShare_StaysNormal() {
        let fleet: [VehicleSnapshot] = [.tesla("slow", soc: 50, amps: 8), .tesla("fast", soc: 50, amps: 32)]
        let result = plan(.cap(6), fleet)  // 1.92 + 7.68 > 6
        #expect(result["slow"]?.target == .normal)
        #expect(result["fast"]?.target == .limited(amps: 17))  // (6 − 1.92) / 0.24 = 17
    }

    @Test func phasesAndVoltage_AreRespected() {
        let threePhase = VehicleSnapshot.tesla("eu", amps: 16, minAmps: 6, maxAmps: 16, voltage: 230, phases: 3)
        let result = plan(.cap(8), [threePhase])  // 11.04 kW; 0.69 kW per amp → 11 A = 7.59 kW
        #expect(result["eu"]?.target == .limited(amps: 11))
        #expect(abs((result["eu"]?.plannedKW ?? 0) - 7.59) < 1e-9)
    }

    @Test func stopOnlyVehicles_AreStoppedOnlyWhenAmpsAreNotEnough() {
        let fleet: [VehicleSnapshot] = [.tesla("tesla", soc: 50), .smartcar("vw", soc: 70, powerKW: 7.2)]
        let loose = plan(.cap(10), fleet)  // 1.2 + 7.2 fits: the VW keeps charging
        #expect(loose["vw"]?.target == .normal && loose["vw"]?.eligibility == .eligible)
        #expect(loose["tesla"]?.target == .limited(amps: 11))
        let tight = plan(.cap(8), fleet)  // 1.2 + 7.2 > 8: stop the VW (higher SoC), the Tesla gets it all
        #expect(tight["vw"]?.target == .stopped)
        #expect(tight["tesla"]?.target == .normal)
    }

    @Test func whenMinimumsExceedTheCap_HighestSoCIsStoppedFirst() {
        let fleet: [VehicleSnapshot] = [
            .tesla("s20", soc: 20), .tesla("s80", soc: 80), .tesla("s40", soc: 40), .tesla("s60", soc: 60),
        ]
        let result = plan(.cap(3), fleet)  // 4 × 1.2 > 3 → stop 80, then 60; 2 × 6 A = 2.88 kW
        #expect(result["s80"]?.target == .stopped && result["s60"]?.target == .stopped)
        #expect(result["s20"]?.target == .limited(amps: 6) && result["s40"]?.target == .limited(amps: 6))
        #expect(result.isFeasible && result.plannedKW <= 3)
    }

    @Test func uncurtailableLoad_CountsAgainstTheCap() {
        let fleet: [VehicleSnapshot] = [.tesla("optout", soc: 50), .tesla("free", soc: 50)]
        let result = plan(.cap(10), fleet, preferences: ["optout": DriverPreferences(optedOutOfEvent: true)])
        #expect(result["optout"]?.target == .normal)
        #expect(result["free"]?.target == .limited(amps: 9))  // (10 − 7.68) / 0.24 = 9.67
    }

    @Test func aHeldBackVehicle_IsControlGroup_AndItsDrawCountsAgainstTheCap() {
        let fleet: [VehicleSnapshot] = [.tesla("held", soc: 50), .tesla("free", soc: 50)]
        let result = plan(.cap(10), fleet, heldBack: ["held"])
        #expect(result["held"]?.target == .normal && result["held"]?.eligibility == .ineligible(ControlGroup.ineligibility))
        #expect(result["free"]?.target == .limited(amps: 9))  // (10 − 7.68) / 0.24 = 9.67
        #expect(result.plannedKW <= 10)
    }

    @Test func uncurtailableLoadAboveTheCap_IsReportedInfeasible() {
        let fleet: [VehicleSnapshot] = [
            .smartcar("nissan", make: .nissan, soc: 60, powerKW: 6.6), .tesla("tesla", soc: 50),
            .tesla("optout", soc: 50),
        ]
        let result = plan(.cap(5), fleet, preferences: ["optout": DriverPreferences(optedOutOfEvent: true)])
        #expect(!result.isFeasible)
        #expect(result["nissan"]?.eligibility == .ineligible(.vendorCannotStop))
        #expect(result["tesla"]?.target == .stopped)
        #expect(abs(result.shortfallKW - (6.6 + 7.68 - 5)) < 1e-9)
    }

    @Test func unknownDraw_IsCountedAtMaximum() {
        var unknown = VehicleSnapshot.tesla("unknown", soc: 50)
        unknown.telemetry = VehicleTelemetry(pluggedIn: true, soc: 50)
        let result = plan(.cap(8), [unknown, .tesla("known", soc: 50)])
        #expect(result["unknown"]?.eligibility == .ineligible(.unknownState))
        #expect(result["unknown"]?.plannedKW == 7.68 && result["unknown"]?.baselineKW == 0)
        #expect(result["known"]?.target == .stopped)  // 7.68 + 1.2 (minimum) > 8
        #expect(result.isFeasible)
    }

    @Test func aZeroCap_StopsEverythingThatMayStop() {
        let fleet: [VehicleSnapshot] = [.tesla("a"), .smartcar("b"), .smartcar("c", make: .bmw, os: 8)]
        let result = plan(.cap(0), fleet)
        #expect(result.vehicles.allSatisfy { $0.target == .stopped })
        #expect(result.plannedKW == 0 && result.isFeasible)
    }
}
