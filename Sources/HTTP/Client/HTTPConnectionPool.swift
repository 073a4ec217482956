import Dispatch
import Synchronization

/// Keep-alive connections per scheme, host and port, capped per host, with a FIFO queue of waiters.
///
/// All state is in one `Mutex`; continuations are resumed and connections closed after the lock is released.
/// The pool never touches a socket: a connection that closes (failure, server close, idle timeout) tells the
/// pool through its `onClose` callback, which frees its slot for the first waiter.
final class HTTPConnectionPool: Sendable {
    enum Lease: Sendable {
        /// An idle keep-alive connection.
        case reuse(HTTPClientConnection)
        /// A slot for a new connection, with its id: the caller creates and connects it.
        case create(id: UInt64)
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Result<Lease, HTTPClientError>, Never>
    }

    private struct HostState {
        /// Connections open or opening (leased, idle, or connecting).
        var members: Set<UInt64> = []
        /// Most recently used last.
        var idle: [HTTPClientConnection] = []
        /// First come, first served.
        var waiters: [Waiter] = []

        var isEmpty: Bool { members.isEmpty && idle.isEmpty && waiters.isEmpty }
    }

    private struct State {
        var hosts: [HTTPPoolKey: HostState] = [:]
        var nextID: UInt64 = 0
        var shutdown = false

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }

    private let state = Mutex(State())
    private let maxConnectionsPerHost: Int
    private let maxWaitersPerHost: Int
    private let timerQueue = DispatchQueue(label: "curtail.http.client.pool")

    init(maxConnectionsPerHost: Int, maxWaitersPerHost: Int) {
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxWaitersPerHost = maxWaitersPerHost
    }

    /// A connection for `key`: an idle one (unless `fresh`), a slot for a new one, or, at the cap, the first one
    /// freed before `deadline`.
    func checkout(_ key: HTTPPoolKey, deadline: DispatchTime, fresh: Bool) async -> Result<Lease, HTTPClientError> {
        let waiterID = state.withLock { $0.makeID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Lease, HTTPClientError>, Never>) in
                var victim: HTTPClientConnection?
                let immediate = state.withLock { state -> Result<Lease, HTTPClientError>? in
                    if state.shutdown { return .failure(HTTPClientError(.poolShutdown, host: key.description)) }
                    // Checked under the lock: a cancellation handler that already ran found no waiter to remove.
                    if Task.isCancelled { return .failure(HTTPClientError(.cancelled, host: key.description)) }
                    // Taken out of the dictionary while it changes: a copy left behind would make every change
                    // copy the whole host state (thousands of connections) on write.
                    var host = state.hosts.removeValue(forKey: key) ?? HostState()
                    defer { state.hosts[key] = host }
                    if !fresh {
                        while let connection = host.idle.popLast() {
                            if !connection.isClosed { return .success(.reuse(connection)) }
                            host.members.remove(connection.id)  // closed while idle; its onClose finds nothing
                        }
                    } else if host.members.count >= maxConnectionsPerHost, let oldest = host.idle.first {
                        // A retry wants a new connection: make room by dropping an idle one.
                        host.idle.removeFirst()
                        host.members.remove(oldest.id)
                        victim = oldest
                    }
                    if host.members.count < maxConnectionsPerHost {
                        let id = state.makeID()
                        host.members.insert(id)
                        return .success(.create(id: id))
                    }
                    guard host.waiters.count < maxWaitersPerHost else {
                        return .failure(HTTPClientError(.tooManyWaiters, host: key.description))
                    }
                    host.waiters.append(Waiter(id: waiterID, continuation: continuation))
                    return nil
                }
                victim?.closeIfIdleSoon()
                if let immediate {
                    continuation.resume(returning: immediate)
                } else {
                    timerQueue.asyncAfter(deadline: deadline) { [weak self] in
                        self?.removeWaiter(key, id: waiterID, HTTPClientError(.timeout, host: key.description, "no connection became free in time"))
                    }
                }
            }
        } onCancel: {
            removeWaiter(key, id: waiterID, HTTPClientError(.cancelled, host: key.description))
        }
    }

    private func removeWaiter(_ key: HTTPPoolKey, id: UInt64, _ error: HTTPClientError) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.hosts[key]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.hosts[key]?.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: .failure(error))
    }

    /// Returns a connection whose exchange ended cleanly and which may be reused.
    func release(_ connection: HTTPClientConnection) {
        let key = connection.key
        enum Action { case keep, close, handOff(Waiter) }
        let action = state.withLock { state -> Action in
            guard !state.shutdown, !connection.isClosed, var host = state.hosts.removeValue(forKey: key) else { return .close }
            defer { state.hosts[key] = host }
            guard host.members.contains(connection.id) else { return .close }
            if !host.waiters.isEmpty { return .handOff(host.waiters.removeFirst()) }
            host.idle.append(connection)
            return .keep
        }
        switch action {
        case .keep: break
        case .close: connection.closeIfIdleSoon()
        case .handOff(let waiter): waiter.continuation.resume(returning: .success(.reuse(connection)))
        }
    }

    /// A connection closed: free its slot, and give it to the first waiter.
    func connectionClosed(_ key: HTTPPoolKey, id: UInt64) {
        let handOff = state.withLock { state -> (Waiter, UInt64)? in
            guard var host = state.hosts.removeValue(forKey: key) else { return nil }
            defer { state.hosts[key] = host.isEmpty ? nil : host }
            host.idle.removeAll { $0.id == id }
            guard host.members.remove(id) != nil, !host.waiters.isEmpty, !state.shutdown else { return nil }
            let newID = state.makeID()
            host.members.insert(newID)
            return (host.waiters.removeFirst(), newID)
        }
        if let (waiter, newID) = handOff { waiter.continuation.resume(returning: .success(.create(id: newID))) }
    }

    /// Fails every waiter, refuses new checkouts, and closes the idle connections.
    func shutdown() async {
        let (waiters, idle) = state.withLock { state -> ([Waiter], [HTTPClientConnection]) in
            state.shutdown = true
            var waiters: [Waiter] = []
            var idle: [HTTPClientConnection] = []
            for key in state.hosts.keys {
                waiters += state.hosts[key]!.waiters
                idle += state.hosts[key]!.idle
                state.hosts[key]!.waiters = []
                state.hosts[key]!.idle = []
            }
            return (waiters, idle)
        }
        for waiter in waiters { waiter.continuation.resume(returning: .failure(HTTPClientError(.poolShutdown))) }
        for connection in idle { await connection.closeIfIdle() }
    }

    /// Open connections to `key` (leased, idle or connecting), for tests and metrics.
    func connectionCount(_ key: HTTPPoolKey) -> Int { state.withLock { $0.hosts[key]?.members.count ?? 0 } }

    /// Idle connections to `key`.
    func idleCount(_ key: HTTPPoolKey) -> Int { state.withLock { $0.hosts[key]?.idle.count ?? 0 } }
}
