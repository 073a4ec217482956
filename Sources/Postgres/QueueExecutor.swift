import Dispatch

/// A serial executor backed by its own `DispatchQueue`.
///
/// Actors that make blocking libpq calls use it so that those calls block a Dispatch thread, never one of the
/// cooperative pool's threads (there are only as many as cores: 2 on our machines).
final class QueueExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
