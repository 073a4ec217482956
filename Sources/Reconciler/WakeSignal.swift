import Postgres
import Synchronization

/// A wake-up fed by a NOTIFY channel, waited on with a timeout.
///
/// Racing `for await` over the notification stream against a sleep does not work: cancelling a task that awaits an
/// `AsyncStream`'s `next()` terminates the stream, so the first time the sleep won, the channel was gone and every
/// later wait ran its whole timeout (the scheduler noticed a new event only at its 15 s period). Here one long-lived
/// task consumes the stream and a wait is a continuation that the notification, the timeout or cancellation resumes.
/// A notification that arrives while nobody waits is kept, so a change made during a pass triggers the next one.
final class WakeSignal: Sendable {
    /// Why a wait returned.
    enum Wake: Sendable, Equatable {
        case notified
        case timedOut
    }

    private struct State {
        var pending = false
        var waiter: (ticket: Int, continuation: CheckedContinuation<Wake, Never>)?
        var lastTicket = 0
        /// Waits up to this ticket are over (timed out or cancelled), whether or not they had started waiting.
        var releasedThrough = 0
    }

    private let state = Mutex(State())
    /// Set once, just after init (a task capturing `self` cannot be made before every property is).
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    /// Wakes on every notification of `stream`; with no stream, a wait is a plain sleep.
    init(_ stream: AsyncStream<PostgresNotification>?) {
        guard let stream else { return }
        let task = Task { [weak self] in
            for await _ in stream { self?.signal() }
        }
        consumer.withLock { $0 = task }
    }

    deinit { consumer.withLock { $0?.cancel() } }

    /// Returns at the next notification (at once if one came since the last wait), after `timeout`, or when the
    /// calling task is cancelled (as `.timedOut`).
    @discardableResult
    func wait(timeout: Duration) async -> Wake {
        let ticket = state.withLock { state -> Int in
            state.lastTicket += 1
            return state.lastTicket
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.release(ticket: ticket)
        }
        let wake = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = self.state.withLock { state -> Wake? in
                    if state.pending {
                        state.pending = false
                        return .notified
                    }
                    if state.releasedThrough >= ticket { return .timedOut }
                    state.waiter = (ticket, continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            self.release(ticket: ticket)
        }
        timer.cancel()
        return wake
    }

    private func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: .notified)
    }

    private func release(ticket: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            state.releasedThrough = max(state.releasedThrough, ticket)
            guard let waiter = state.waiter, waiter.ticket == ticket else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: .timedOut)
    }
}
