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
}
