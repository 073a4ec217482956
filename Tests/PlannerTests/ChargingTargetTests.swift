import Foundation
import Testing

@testable import Planner

@Suite struct ChargingTargetTests {
    @Test func storageValue_IsStable() {
        #expect(ChargingTarget.normal.storageValue == "normal")
        #expect(ChargingTarget.stopped.storageValue == "stopped")
        #expect(ChargingTarget.limited(amps: 16).storageValue == "limited:16")
    }

    @Test func storageValue_RoundTrips() {
        for target in [ChargingTarget.normal, .stopped, .limited(amps: 0), .limited(amps: 48)] {
            #expect(ChargingTarget(storageValue: target.storageValue) == target)
        }
    }

    @Test(arguments: ["", "Normal", "limited:", "limited:-3", "limited:+3", "limited:1x", "limited: 6", "paused"])
    func malformedStorageValue_IsRejected(_ value: String) {
        #expect(ChargingTarget(storageValue: value) == nil)
    }

    @Test func codable_UsesTheStorageString() throws {
        let data = try JSONEncoder().encode([ChargingTarget.limited(amps: 10), .stopped])
        #expect(String(decoding: data, as: UTF8.self) == #"["limited:10","stopped"]"#)
        #expect(try JSONDecoder().decode([ChargingTarget].self, from: data) == [.limited(amps: 10), .stopped])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ChargingTarget.self, from: Data(#""x""#.utf8)) }
    }

    @Test func restrictiveness_OrdersStoppedThenFewerAmpsThenNormal() {
        #expect(ChargingTarget.stopped.isMoreRestrictive(than: .limited(amps: 5)))
        #expect(ChargingTarget.limited(amps: 5).isMoreRestrictive(than: .limited(amps: 6)))
        #expect(ChargingTarget.limited(amps: 48).isMoreRestrictive(than: .normal))
        #expect(!ChargingTarget.normal.isMoreRestrictive(than: .normal))
    }

    @Test func ineligibility_EncodesAsItsCode() throws {
        let data = try JSONEncoder().encode([Ineligibility.socTooLowForVendorCommand, .optedOut])
        #expect(String(decoding: data, as: UTF8.self) == #"["soc_too_low_for_vendor_command","opted_out"]"#)
    }

    @Test func vendorAndMake_DecodeLowerCased_AndEncodeAsTheBareString() throws {
        let decoded = try JSONDecoder().decode([Vendor].self, from: Data(#"["Tesla","SMARTCAR"]"#.utf8))
        #expect(decoded == [.tesla, .smartcar])
        let make = try JSONDecoder().decode(Make.self, from: Data(#""CHEVROLET""#.utf8))
        #expect(make == .chevrolet)
        #expect(String(decoding: try JSONEncoder().encode(make), as: UTF8.self) == #""chevrolet""#)
    }

    @Test func publicValues_AreSendable() {
        let values: [any Sendable] = [
            ChargingTarget.normal, VehicleSnapshot.tesla("t"), PlanningPolicy(), DriverPreferences(),
            Ineligibility.optedOut, Eligibility.eligible, FleetPlan(vehicles: []), RestoreMethod.start,
            SimpleDepth.stopAll, VehicleCapabilities(for: .tesla("t")),
        ]
        #expect(values.count == 10)
    }
}
