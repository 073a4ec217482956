import Testing

@testable import Planner

@Suite struct SimpleLevelTests {
    let fleet: [VehicleSnapshot] = [
        .tesla("tesla-high", soc: 80, amps: 32),
        .tesla("tesla-low", soc: 15, amps: 24),
        .smartcar("vw-high", soc: 70),
        .smartcar("vw-low", soc: 10),
        .smartcar("nissan-us", make: .nissan, soc: 60),
    ]

    func targets(_ level: Int, preferences: [String: DriverPreferences] = [:]) -> [String: ChargingTarget] {
        Dictionary(
            uniqueKeysWithValues: plan(.simple(level), fleet, preferences: preferences).vehicles.map {
                ($0.vehicleID, $0.target)
            })
    }

    @Test func level0_LeavesEveryoneNormal() {
        let result = plan(.simple(0), fleet)
        #expect(result.vehicles.allSatisfy { $0.target == .normal })
        #expect(result.plannedKW == result.baselineKW)
    }

    @Test func level1_LimitsAmpsCapableToMinimum_AndLeavesStopOnlyAlone() {
        let result = plan(.simple(1), fleet)
        #expect(result["tesla-high"]?.target == .limited(amps: 5))
        #expect(result["tesla-low"]?.target == .limited(amps: 5))
        #expect(result["tesla-high"]?.plannedKW == 1.2)
        #expect(result["vw-high"]?.target == .normal)
        #expect(result["vw-high"]?.eligibility == .ineligible(.vendorCannotSetAmps))
    }

    @Test func level2_StopsAboveTheFloor_AndLimitsOrLeavesTheRest() {
        let result = plan(.simple(2), fleet)
        #expect(result["tesla-high"]?.target == .stopped)
        #expect(result["tesla-low"]?.target == .limited(amps: 5))  // 15 % ≤ default floor 20 %
        #expect(result["vw-high"]?.target == .stopped)
        #expect(result["vw-low"]?.target == .normal)
        #expect(result["vw-low"]?.eligibility == .ineligible(.belowMinimumSoC))
        #expect(result["nissan-us"]?.eligibility == .ineligible(.vendorCannotStop))
    }

    @Test func level2_UsesTheDriversMinimumAsTheFloor() {
        let result = targets(2, preferences: ["tesla-low": DriverPreferences(minimumSoC: 10)])
        #expect(result["tesla-low"] == .stopped)
    }

    @Test func level3_StopsEveryoneThatMayBeStopped() {
        let result = plan(.simple(3), fleet)
        #expect(result["tesla-high"]?.target == .stopped)
        #expect(result["tesla-low"]?.target == .stopped)
        #expect(result["vw-low"]?.target == .stopped)
        #expect(result["nissan-us"]?.target == .normal)
        #expect(result["nissan-us"]?.eligibility == .ineligible(.vendorCannotStop))
        #expect(result["tesla-high"]?.curtailedKW == 7.68)
    }

    @Test func level3_StillRespectsTheDriversMinimumSoC() {
        let result = plan(.simple(3), fleet, preferences: ["tesla-low": DriverPreferences(minimumSoC: 30)])
        #expect(result["tesla-low"]?.target == .normal)
        #expect(result["tesla-low"]?.eligibility == .ineligible(.belowMinimumSoC))
    }

    @Test func level3_LeavesAGMBelowFiftyPercentAlone_WithTheVendorReason() {
        let result = plan(.simple(3), [.smartcar("gm", make: .chevrolet, soc: 40)])
        #expect(result["gm"]?.eligibility == .ineligible(.socTooLowForVendorCommand))
        #expect(result["gm"]?.target == .normal)
    }

    @Test func level3_StopsAFordWithASchedule() {
        let result = plan(.simple(3), [.smartcar("ford", make: .ford, hasSchedule: true)])
        #expect(result["ford"]?.target == .stopped)
    }

    @Test func levelsAreConfigurable() {
        let policy = PlanningPolicy(simpleLevels: [1: .stopAll])
        #expect(plan(.simple(1), fleet, policy: policy)["vw-high"]?.target == .stopped)
        #expect(policy.depth(forSimpleLevel: 7) == .stopAll)
        #expect(policy.depth(forSimpleLevel: -1) == .normal)
    }

    @Test func unsupportedRequest_LeavesEveryoneNormal() {
        #expect(plan(.unsupported, fleet).vehicles.allSatisfy { $0.target == .normal })
    }

    @Test func results_KeepInputOrder() {
        #expect(plan(.simple(2), fleet).vehicles.map(\.vehicleID) == fleet.map(\.id))
    }
}
