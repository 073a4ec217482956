import Synchronization

/// Writes items in batches: whoever submits waits until its item is written. When no write is running the item goes
/// out at once (no added latency when idle); under load, items that arrive while writes are running are gathered
/// into the next write, up to `maxBatch` each, so a thousand outcomes cost a few statements instead of a thousand.
///
/// A failed write fails every item of its batch (the callers treat it as they would their own failed statement).
final class GroupCommit<Item: Sendable>: Sendable {
    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writers = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let maxWriters: Int
    private let write: @Sendable ([Item]) async throws -> Void

    /// - Parameters:
    ///   - maxBatch: Items per write.
    ///   - maxWriters: Writes running at once (each holds a database connection).
    ///   - write: Writes one batch, all or nothing.
    init(maxBatch: Int = 500, maxWriters: Int = 4, write: @escaping @Sendable ([Item]) async throws -> Void) {
        self.maxBatch = maxBatch
        self.maxWriters = maxWriters
        self.write = write
    }

    /// Returns once `item` is written; throws what its batch's write threw.
    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startWriter = state.withLock { state -> Bool in
                state.waiting.append(Waiting(item: item, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startWriter { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.writers -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await write(batch.map(\.item))
                for waiting in batch { waiting.continuation.resume() }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
