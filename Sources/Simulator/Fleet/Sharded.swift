import Synchronization

/// One lock and what it guards. A class so that shards can live in an array (`Mutex` is not copyable).
final class Shard<Value: Sendable>: Sendable {
    let lock: Mutex<Value>
    init(_ value: sending Value) { lock = Mutex(value) }
}
