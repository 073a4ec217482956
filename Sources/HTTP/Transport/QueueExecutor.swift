import Dispatch

/// A serial executor backed by a `DispatchQueue`, so an actor's code runs on the queue that also delivers
/// its socket events — never on the (2-thread) cooperative pool.
///
/// Dispatch source handlers scheduled on `queue` may enter the actor with `assumeIsolated`:
/// ``checkIsolated()`` proves to the runtime that they are on the actor's executor.
public final class QueueExecutor: SerialExecutor {
    public let queue: DispatchQueue

    /// - Parameter target: a serial queue to run on; many executors sharing one target share its one thread, as
    ///   connections share an event loop.
    public init(label: String, target: DispatchQueue? = nil) { queue = DispatchQueue(label: label, target: target) }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    public func checkIsolated() { dispatchPrecondition(condition: .onQueue(queue)) }
}
