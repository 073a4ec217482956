import Postgres
import Testing

@testable import Reconciler

/// The scheduler and the reconciler wait on NOTIFY with a timeout. The old wait raced `for await` against a sleep,
/// and cancelling the loser terminated the stream: after the first timeout no notification woke anyone again.
@Suite struct WakeSignalTests {
    let note = PostgresNotification(channel: "c", payload: "", senderPID: 1)

    @Test func aNotificationAfterATimeout_StillWakes() async {
        let (stream, continuation) = AsyncStream.makeStream(of: PostgresNotification.self)
        let signal = WakeSignal(stream)
        #expect(await signal.wait(timeout: .milliseconds(10)) == .timedOut)
        #expect(await signal.wait(timeout: .milliseconds(10)) == .timedOut)
        // Delivered after the waits timed out: the stream must still be alive, and the next wait sees it.
        let delivered = continuation.yield(note)
        #expect({ if case .enqueued = delivered { true } else { false } }())
        #expect(await signal.wait(timeout: .seconds(60)) == .notified)
    }

    @Test func aNotificationDuringAWait_WakesIt() async {
        let (stream, continuation) = AsyncStream.makeStream(of: PostgresNotification.self)
        let signal = WakeSignal(stream)
        async let woken = signal.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(20))
        continuation.yield(note)
        #expect(await woken == .notified)
    }

    @Test func aNotificationWhileNobodyWaits_IsKeptForTheNextWait_Once() async {
        let (stream, continuation) = AsyncStream.makeStream(of: PostgresNotification.self)
        let signal = WakeSignal(stream)
        continuation.yield(note)
        continuation.yield(note)
        try? await Task.sleep(for: .milliseconds(20))  // let the consumer take them
        #expect(await signal.wait(timeout: .seconds(60)) == .notified)
        #expect(await signal.wait(timeout: .milliseconds(10)) == .timedOut)
    }

    @Test func cancellingTheWaiter_EndsTheWait() async {
        let signal = WakeSignal(nil)
        let waiting = Task { await signal.wait(timeout: .seconds(3600)) }
        waiting.cancel()
        #expect(await waiting.value == .timedOut)
    }
}
