import Foundation
import Testing

@testable import Planner

/// Never strand a driver (DESIGN §5): opt-outs, minimum SoC, departure, and state the planner cannot see.
@Suite struct EligibilityTests {
    func reason(
        _ vehicle: VehicleSnapshot, _ preferences: DriverPreferences? = nil, request: ShedRequestFixture = .simple(3),
        until: Date? = nil
    ) -> Ineligibility? {
        let result = plan(request, [vehicle], preferences: preferences.map { [vehicle.id: $0] } ?? [:], until: until)
        let vehicle = result.vehicles[0]
        if vehicle.eligibility.reason != nil { #expect(vehicle.target == .normal) }
        return vehicle.eligibility.reason
    }

    @Test func optedOutOfTheEvent_StaysNormal() {
        #expect(reason(.tesla("t"), DriverPreferences(optedOutOfEvent: true)) == .optedOut)
        #expect(reason(.tesla("t"), DriverPreferences(optedOutOfEvent: true), request: .cap(0)) == .optedOut)
    }

    @Test func optedOutUntilALaterTime_StaysNormal_AndAnExpiredOptOutDoesNot() {
        #expect(reason(.tesla("t"), DriverPreferences(optedOutUntil: now.addingTimeInterval(60))) == .optedOut)
        #expect(reason(.tesla("t"), DriverPreferences(optedOutUntil: now.addingTimeInterval(-60))) == nil)
    }

    @Test func notPluggedIn_NotCharging_AndUnknown_AreReported() {
        #expect(reason(.tesla("t", pluggedIn: false)) == .notPluggedIn)
        #expect(reason(.tesla("t", charging: false)) == .notCharging)
        #expect(reason(.tesla("t", charging: nil), request: .simple(2)) == .unknownState)
        #expect(reason(.tesla("t", pluggedIn: nil), request: .cap(50)) == .unknownState)
        let off = PlanningPolicy(confirmUnknownStateAtCapture: false)
        #expect(plan(.simple(3), [.tesla("t", charging: nil)], policy: off).vehicles[0].eligibility == .ineligible(.unknownState))
    }

    /// SIMPLE depths that need no state target an unknown-state vehicle: the reconciler's capture read decides.
    @Test func unknownState_AtStopAllOrMinimumAmps_IsTargeted_WhenEveryOtherRulePasses() {
        let unknown = VehicleSnapshot.tesla("t", charging: nil, pluggedIn: nil)
        #expect(plan(.simple(3), [unknown]).vehicles[0].target == .stopped)
        #expect(plan(.simple(1), [unknown]).vehicles[0].target == .limited(amps: 5))
        // Other rules still hold: an opt-out, or a minimum SoC that cannot be checked, leaves it alone.
        #expect(reason(unknown, DriverPreferences(optedOutOfEvent: true)) == .optedOut)
        var noSoC = unknown
        noSoC.telemetry.soc = nil
        #expect(reason(noSoC, DriverPreferences(minimumSoC: 30)) == .unknownState)
        // A GM needs its SoC to be stopped at all (≥ 52 %): unknown stays unknown.
        var gm = VehicleSnapshot.smartcar("g", make: .chevrolet, charging: nil)
        gm.telemetry.soc = nil
        #expect(reason(gm) == .unknownState)
    }

    @Test func notCharging_HasZeroBaseline() {
        let result = plan(.simple(3), [.tesla("t", charging: false)])
        #expect(result.vehicles[0].baselineKW == 0 && result.vehicles[0].plannedKW == 0)
    }

    @Test func belowMinimumSoC_IsNotCurtailed_AtOrAboveIs() {
        #expect(reason(.tesla("t", soc: 29), DriverPreferences(minimumSoC: 30)) == .belowMinimumSoC)
        #expect(reason(.tesla("t", soc: 30), DriverPreferences(minimumSoC: 30)) == nil)
        var unknown = VehicleSnapshot.tesla("t")
        unknown.telemetry.soc = nil
        #expect(reason(unknown, DriverPreferences(minimumSoC: 30)) == .unknownState)
    }

    @Test func departingWithinTheWindow_IsNotCurtailed() {
        #expect(reason(.tesla("t"), DriverPreferences(departure: now.addingTimeInterval(59 * 60))) == .departingSoon)
        let policy = PlanningPolicy(departureWindow: 30 * 60)
        let result = plan(
            .simple(3), [.tesla("t", soc: 89)],
            preferences: ["t": DriverPreferences(departure: now.addingTimeInterval(45 * 60))], policy: policy,
            until: now.addingTimeInterval(10 * 60))
        #expect(result.vehicles[0].target == .stopped)
    }

    @Test func departureInThePast_IsIgnored() {
        #expect(reason(.tesla("t"), DriverPreferences(departure: now.addingTimeInterval(-3600))) == nil)
    }

    @Test func energyThatWouldNotFitBeforeDeparture_IsNotCurtailed() {
        // 20 % → 90 % of 75 kWh = 52.5 kWh at 7.68 kW ≈ 6.8 h (× 1.25 ≈ 8.5 h); curtailment ends in 2 h.
        let car = VehicleSnapshot.tesla("t", soc: 20, amps: 32)
        let until = now.addingTimeInterval(2 * 3600)
        #expect(
            reason(car, DriverPreferences(departure: now.addingTimeInterval(10 * 3600)), until: until)
                == .chargeNeededBeforeDeparture)
        #expect(reason(car, DriverPreferences(departure: now.addingTimeInterval(11 * 3600)), until: until) == nil)
    }

    @Test func departureBeforeTheCurtailmentEnds_WithUnknownEnergy_IsDepartingSoon() {
        var car = VehicleSnapshot.tesla("t")
        car.batteryKWh = nil
        let preferences = DriverPreferences(departure: now.addingTimeInterval(3 * 3600))
        #expect(reason(car, preferences, until: now.addingTimeInterval(4 * 3600)) == .departingSoon)
        #expect(reason(car, preferences, until: now.addingTimeInterval(2 * 3600)) == nil)
    }

    @Test func aVehicleCurtailedByUs_IsPlannedFromItsPreCurtailmentState() {
        var stopped = VehicleSnapshot.tesla("t", soc: 60, charging: false)
        stopped.preCurtailment = VehicleTelemetry(charging: true, amps: 32, powerKW: 7.68, chargeLimit: 90)
        let result = plan(.simple(3), [stopped])
        #expect(result.vehicles[0].target == .stopped)
        #expect(result.vehicles[0].baselineKW == 7.68)
    }

    @Test func aVehicleThatWouldHaveFinished_IsReleased() {
        var stopped = VehicleSnapshot.tesla("t", soc: 90, charging: false)
        stopped.preCurtailment = VehicleTelemetry(charging: true, amps: 32, powerKW: 7.68, chargeLimit: 90)
        #expect(reason(stopped) == .notCharging)
    }
}
