import Planner
import Testing
import Vendors
@testable import Reconciler

@Suite struct CommandSequenceTests {
    let tesla = VehicleCapabilities(for: VehicleSnapshot(id: "5YJ", vendor: .tesla, make: .tesla, voltage: 240, phases: 1, minAmps: 5, maxAmps: 32))
    let smartcarFord = VehicleCapabilities(
        for: VehicleSnapshot(
            id: "f", vendor: .smartcar, make: .ford, voltage: 240, phases: 1, minAmps: 6, maxAmps: 32,
            telemetry: VehicleTelemetry(hasSchedule: true)))

    @Test func stop_IsOneCommand() {
        #expect(CommandSequence.commands(from: .normal, to: .stopped, prior: nil, capabilities: tesla) == [.stopCharging])
    }

    @Test func sameState_NeedsNothing() {
        #expect(CommandSequence.commands(from: .limited(amps: 8), to: .limited(amps: 8), prior: nil, capabilities: tesla).isEmpty)
    }

    @Test func limitAfterStop_SetsAmpsThenStarts_OnlyIfItWasCharging() {
        let charging = PriorSettings(charging: true, amps: 32, chargeLimit: 80)
        #expect(CommandSequence.commands(from: .stopped, to: .limited(amps: 6), prior: charging, capabilities: tesla) == [.setChargingAmps(6), .startCharging])
        let idle = PriorSettings(charging: false, amps: 32, chargeLimit: 80)
        #expect(CommandSequence.commands(from: .stopped, to: .limited(amps: 6), prior: idle, capabilities: tesla) == [.setChargingAmps(6)])
    }

    @Test func restoreFromLimit_ReturnsToPriorAmps() {
        let prior = PriorSettings(charging: true, amps: 24, chargeLimit: 90)
        #expect(CommandSequence.commands(from: .limited(amps: 5), to: .normal, prior: prior, capabilities: tesla) == [.setChargingAmps(24)])
    }

    @Test func restoreFromStop_RestartsOnlyAVehicleThatWasCharging() {
        #expect(
            CommandSequence.commands(from: .stopped, to: .normal, prior: PriorSettings(charging: true, amps: 16, chargeLimit: 80), capabilities: tesla)
                == [.setChargingAmps(16), .startCharging])
        #expect(
            CommandSequence.commands(from: .stopped, to: .normal, prior: PriorSettings(charging: false, amps: 16, chargeLimit: 80), capabilities: tesla)
                == [.setChargingAmps(16)])
    }

    @Test func fordWithSchedule_IsStartedThenGetsItsOwnLimitBack() {
        let prior = PriorSettings(charging: true, amps: nil, chargeLimit: 85)
        #expect(
            CommandSequence.commands(from: .stopped, to: .normal, prior: prior, capabilities: smartcarFord) == [.startCharging, .setChargeLimit(85)])
    }

    @Test func neverCaptured_NothingToRestore() {
        #expect(CommandSequence.commands(from: .stopped, to: .normal, prior: nil, capabilities: tesla).isEmpty)
    }
}

@Suite struct TokenBucketTests {
    @Test func bucket_AllowsBurstThenPaces() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 0.5, now: start)
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == nil)
        let wait = bucket.take(now: start)
        #expect(wait == .milliseconds(2000))
        #expect(bucket.take(now: start + .seconds(2)) == nil)
        #expect(bucket.take(now: start + .seconds(2)) != nil)
    }
}

@Suite struct PacerTests {
    @Test func optionalWork_LeavesTheReserveForCommands() async throws {
        // Smartcar: a per-vehicle burst of 10; a sample costs 3 and must leave 4 for commands.
        let pacer = Pacer(limits: PacingLimits(budgets: ["smartcar": .smartcar]))
        #expect(pacer.tryAcquire(.data, vendor: "smartcar", vehicle: "v", account: "a", reserve: 4))  // 10 → 7
        #expect(pacer.tryAcquire(.data, vendor: "smartcar", vehicle: "v", account: "a", reserve: 4))  // 7 → 4
        #expect(!pacer.tryAcquire(.data, vendor: "smartcar", vehicle: "v", account: "a", reserve: 4))  // 4 - 3 < 4
        // Commands still go out at once: the reserve was kept for them.
        for _ in 0..<4 { try await pacer.acquire(.command, vendor: "smartcar", vehicle: "v", account: "a") }
        #expect(!pacer.tryAcquire(.command, vendor: "smartcar", vehicle: "v", account: "a"))
    }

    @Test func aWaitBeyondTheBound_ThrowsADeferralWithItsCause_AndCountsNothing() async throws {
        let pacer = Pacer(limits: PacingLimits(budgets: ["tesla": VendorBudget(perVehicleByKind: [.command: 0.1])]))
        try await pacer.acquire(.command, vendor: "tesla", vehicle: "v", account: "a", maxWait: .seconds(5))
        // The bucket's next token is ten minutes away.
        do {
            try await pacer.acquire(.command, vendor: "tesla", vehicle: "v", account: "a", maxWait: .seconds(5))
            Issue.record("waited instead of deferring")
        } catch let deferral as PacingDeferral {
            #expect(deferral.cause == .budget)
            #expect(deferral.wait > .seconds(590) && deferral.wait <= .seconds(600))
        }
        // A vendor's hold outranks the budget and names itself.
        pacer.hold(account: "b", for: .seconds(3600))
        do {
            try await pacer.acquire(.command, vendor: "tesla", vehicle: "w", account: "b", maxWait: .seconds(5))
            Issue.record("waited instead of deferring")
        } catch let deferral as PacingDeferral {
            #expect(deferral.cause == .vendorHold)
            #expect(deferral.wait > .seconds(3590))
        }
        // Nothing was counted for "w": once the hold is lifted its one token is there.
        pacer.liftHolds(vehicle: "w", account: "b", learnedBefore: .now)
        try await pacer.acquire(.command, vendor: "tesla", vehicle: "w", account: "b", maxWait: .zero)
    }

    @Test func liftingHolds_ForgetsOnlyThoseLearnedBeforeTheClaim() async throws {
        let pacer = Pacer(limits: .unlimited)
        pacer.hold(vehicle: "old", account: "a", for: .seconds(3600))
        let claimStarted = ContinuousClock.now
        pacer.hold(vehicle: "new", for: .seconds(3600))
        pacer.liftHolds(vehicle: "old", account: "a", learnedBefore: claimStarted)
        pacer.liftHolds(vehicle: "new", account: nil, learnedBefore: claimStarted)
        try await pacer.acquire(.command, vendor: "tesla", vehicle: "old", account: "a", maxWait: .zero)
        await #expect(throws: PacingDeferral.self) {
            try await pacer.acquire(.command, vendor: "tesla", vehicle: "new", account: "c", maxWait: .zero)
        }
    }
}
