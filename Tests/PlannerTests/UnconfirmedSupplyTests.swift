import Foundation
import Testing

@testable import Planner

/// A vehicle whose electrical facts are the registry's unconfirmed defaults (240 V, 1 phase, 32 A) may really charge
/// on 230 V × 3 phases: a capacity limit budgets it at a bound, never at the defaults, unless its power was read.
@Suite struct UnconfirmedSupplyTests {
    /// A Nissan through Smartcar in the US (it cannot be stopped), charging, with no power reading.
    func nissan(_ id: String, confirmed: Bool) -> VehicleSnapshot {
        VehicleSnapshot(
            id: id, vendor: .smartcar, make: .nissan, countryCode: "US", voltage: 240, phases: 1, minAmps: 6, maxAmps: 32,
            batteryKWh: 60, electricalFactsConfirmed: confirmed,
            telemetry: VehicleTelemetry(pluggedIn: true, charging: true, soc: 60, chargeLimit: 90))
    }

    @Test func budgetKW_IsTheRegistrysFigureWhenConfirmed_AndAtLeastTheBoundOtherwise() {
        let policy = PlanningPolicy()
        #expect(abs(nissan("n", confirmed: true).budgetKW(amps: 32, policy: policy) - 7.68) < 1e-9)
        #expect(abs(nissan("n", confirmed: false).budgetKW(amps: 32, policy: policy) - 22.08) < 1e-9)
        // A registry figure above the bound stands: the bound only ever raises a budget.
        var big = nissan("n", confirmed: false)
        (big.voltage, big.phases) = (400, 3)
        #expect(abs(big.budgetKW(amps: 32, policy: policy) - 38.4) < 1e-9)
    }

    @Test func anUncommandableVehicleWithoutAReading_IsBudgetedAtTheBound_SoOthersMakeRoom() {
        let fleet = [nissan("nissan", confirmed: false), VehicleSnapshot.tesla("tesla", soc: 50)]
        let result = plan(.cap(25), fleet)
        #expect(result["nissan"]?.eligibility == .ineligible(.vendorCannotStop))
        #expect(abs((result["nissan"]?.plannedKW ?? 0) - 22.08) < 1e-9)
        // 25 − 22.08 = 2.92 kW left: the Tesla goes to 12 A (2.88 kW), not the 32 A the defaults' 7.68 kW would allow.
        #expect(result["tesla"]?.target == .limited(amps: 12))
        #expect(result.plannedKW <= 25 && result.isFeasible)
        // The reported baseline is still the best estimate, not the bound.
        #expect(abs((result["nissan"]?.baselineKW ?? 0) - 7.68) < 1e-9)
    }

    @Test func confirmedFacts_AreTakenAtTheirWord() {
        let fleet = [nissan("nissan", confirmed: true), VehicleSnapshot.tesla("tesla", soc: 50)]
        let result = plan(.cap(25), fleet)
        #expect(abs((result["nissan"]?.plannedKW ?? 0) - 7.68) < 1e-9)
        #expect(result["tesla"]?.target == .normal)  // 7.68 + 7.68 fits
    }

    @Test func aPowerReading_BeatsTheBound() {
        var read = nissan("nissan", confirmed: false)
        read.telemetry.powerKW = 11
        let result = plan(.cap(25), [read, VehicleSnapshot.tesla("tesla", soc: 50)])
        #expect(abs((result["nissan"]?.plannedKW ?? 0) - 11) < 1e-9)
        #expect(result["tesla"]?.target == .normal)  // 11 + 7.68 fits
    }

    @Test func anUnconfirmedAmpsCapableVehicle_IsLimitedAtTheBoundsKWPerAmp() {
        // A Tesla read at 16 A with no power figure, on unconfirmed facts: 0.69 kW per amp, not 0.24.
        var tesla = VehicleSnapshot.tesla("tesla", soc: 50, amps: 16)
        tesla.electricalFactsConfirmed = false
        tesla.telemetry.powerKW = nil
        let result = plan(.cap(6.9), [tesla])  // 16 A could be 11.04 kW; 10 A × 0.69 = 6.9 kW
        #expect(result["tesla"]?.target == .limited(amps: 10))
        #expect(result.plannedKW <= 6.9 + 1e-9)
    }

    @Test func theDepartureCheck_UsesTheEstimate_NotTheBound() {
        // 60 kWh battery, 30 points to go = 18 kWh: 2.93 h at 7.68 kW with the 1.25 margin; 1.02 h at the 22 kW bound.
        var car = VehicleSnapshot.smartcar("vw", soc: 60, powerKW: 0, chargeLimit: 90)
        car.telemetry.powerKW = nil
        car.electricalFactsConfirmed = false
        let departure = now.addingTimeInterval(6 * 3600)  // 2 h after the curtailment ends
        let preferences = ["vw": DriverPreferences(departure: departure)]
        let result = plan(.cap(1), [car], preferences: preferences, until: now.addingTimeInterval(4 * 3600))
        // 2.93 h needed at the estimate, so it is left to charge (at the bound's 1.02 h it would be curtailed).
        #expect(result["vw"]?.eligibility == .ineligible(.chargeNeededBeforeDeparture))
    }
}
