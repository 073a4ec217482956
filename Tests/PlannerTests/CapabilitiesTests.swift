import Testing

@testable import Planner

/// Every vendor and make rule, with the reason a report shows.
@Suite struct CapabilitiesTests {
    func capabilities(_ vehicle: VehicleSnapshot, policy: PlanningPolicy = PlanningPolicy()) -> VehicleCapabilities {
        VehicleCapabilities(for: vehicle, policy: policy)
    }

    @Test func tesla_CanSetAmpsStopAndStart_WithAFiveAmpFloor() {
        let tesla = capabilities(.tesla("t", minAmps: 1, maxAmps: 48))
        #expect(tesla.canSetAmps && tesla.canStop && tesla.canStart)
        #expect(tesla.restoreMethod == .start)
        #expect(tesla.ampsRange == 5...48)
        #expect(tesla.setAmpsBlocker == nil && tesla.stopBlocker == nil)
    }

    @Test func smartcar_CannotSetAmps_ButCanStopAndStart() {
        let vw = capabilities(.smartcar("v", make: .volkswagen))
        #expect(!vw.canSetAmps && vw.canStop && vw.canStart)
        #expect(vw.setAmpsBlocker == .vendorCannotSetAmps)
        #expect(vw.restoreMethod == .start)
    }

    @Test func smartcarTesla_SetsAmpsOnlyWhenTheAmmeterIsEnabled() {
        let car = VehicleSnapshot.smartcar("t", make: .tesla)
        #expect(!capabilities(car).canSetAmps)
        #expect(capabilities(car, policy: PlanningPolicy(smartcarTeslaAmmeter: true)).canSetAmps)
    }

    @Test func nissanInTheUS_CannotBeStopped_ButCanBeStarted() {
        let nissan = capabilities(.smartcar("n", make: .nissan, country: "us"))
        #expect(!nissan.canStop && nissan.canStart)
        #expect(nissan.stopBlocker == .vendorCannotStop)
        #expect(nissan.restoreMethod == .start)
    }

    @Test func nissanOutsideTheUS_CanBeStopped() {
        #expect(capabilities(.smartcar("n", make: .nissan, country: "GB")).canCurtailByStop)
    }

    @Test func nissanWithUnknownCountry_IsTreatedAsUS() {
        #expect(capabilities(.smartcar("n", make: .nissan, country: nil)).stopBlocker == .regionUnknown)
    }

    @Test(arguments: [Make.chevrolet, .gmc, .buick, .cadillac, Make(rawValue: "CHEVROLET")])
    func gmBelowFiftyPercent_CannotBeStartedOrStopped(_ make: Make) {
        let gm = capabilities(.smartcar("g", make: make, soc: 49.5))
        #expect(!gm.canStart && !gm.canStop)
        #expect(gm.stopBlocker == .socTooLowForVendorCommand && gm.startBlocker == .socTooLowForVendorCommand)
        #expect(gm.restoreMethod == RestoreMethod.none)
    }

    @Test func gmJustAboveFifty_CanStartButIsNotStopped_SoItCanRestart() {
        let gm = capabilities(.smartcar("g", make: .chevrolet, soc: 51))
        #expect(gm.canStart && !gm.canStop)
        #expect(gm.stopBlocker == .socTooLowForVendorCommand)
    }

    @Test func gmWellAboveFifty_CanBeStopped() {
        #expect(capabilities(.smartcar("g", make: .chevrolet, soc: 70)).canCurtailByStop)
    }

    @Test func gmWithUnknownSoC_IsNotCommanded() {
        var car = VehicleSnapshot.smartcar("g", make: .cadillac)
        car.telemetry.soc = nil
        #expect(capabilities(car).stopBlocker == .unknownState)
    }

    @Test func fordWithASchedule_IsRestoredBySettingItsLimit() {
        #expect(capabilities(.smartcar("f", make: .ford, hasSchedule: true)).restoreMethod == .setChargeLimit)
        #expect(capabilities(.smartcar("l", make: .lincoln, hasSchedule: nil)).restoreMethod == .setChargeLimit)
    }

    @Test func fordWithoutASchedule_IsRestoredByStart() {
        let ford = capabilities(.smartcar("f", make: .ford, hasSchedule: false))
        #expect(ford.restoreMethod == .start && ford.canCurtailByStop)
    }

    @Test(arguments: [Make.bmw, .mini])
    func bmwBelowOS8_CannotBeCommanded(_ make: Make) {
        let old = capabilities(.smartcar("b", make: make, os: 7))
        #expect(!old.canStop && !old.canStart && old.stopBlocker == .osTooOld)
        #expect(capabilities(.smartcar("b", make: make, os: nil)).stopBlocker == .osVersionUnknown)
        #expect(capabilities(.smartcar("b", make: make, os: 8)).canCurtailByStop)
    }

    @Test func unknownVendor_CannotBeCommanded() {
        var car = VehicleSnapshot.tesla("x")
        car.vendor = Vendor(rawValue: "enode")
        let unknown = capabilities(car)
        #expect(!unknown.canSetAmps && !unknown.canStop && unknown.stopBlocker == .vendorUnsupported)
    }
}
