import Dispatch

/// The readiness events of one non-blocking socket: a read and a write `DispatchSource` on the owner's queue, with
/// the bookkeeping Dispatch demands kept in one place — suspends and resumes balanced, and a suspended (or never
/// activated) source resumed before it is cancelled, or it is never released.
///
/// Both sources start suspended. `onCancelled` runs once, on the queue, after both sources are cancelled: only then
/// may the owner close the descriptor, or Dispatch could go on watching a number the kernel has already handed to
/// a new connection.
struct SocketEvents {
    private let read: any DispatchSourceRead
    private let write: any DispatchSourceWrite
    private(set) var isReading = false
    private(set) var isWriting = false

    /// - Parameters: the handlers run on `queue`; `onCancelled` is retained until the sources are cancelled, so a
    ///   strong capture keeps its owner alive until then (the HTTP client relies on that to close its descriptor).
    init(
        fd: Int32, queue: DispatchQueue, readable: @escaping () -> Void, writable: @escaping () -> Void,
        onCancelled: @escaping () -> Void
    ) {
        read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler(handler: readable)
        write.setEventHandler(handler: writable)
        let cancellations = DispatchGroup()
        for source in [read, write] as [any DispatchSourceProtocol] {
            cancellations.enter()
            source.setCancelHandler { cancellations.leave() }
        }
        cancellations.notify(queue: queue, execute: onCancelled)
    }

    mutating func startReading() {
        guard !isReading else { return }
        isReading = true
        read.resume()
    }

    mutating func stopReading() {
        guard isReading else { return }
        isReading = false
        read.suspend()
    }

    mutating func startWriting() {
        guard !isWriting else { return }
        isWriting = true
        write.resume()
    }

    mutating func stopWriting() {
        guard isWriting else { return }
        isWriting = false
        write.suspend()
    }

    /// Cancels both sources; call once. The handlers may not run after this returns: both are cancelled on the
    /// queue they run on, which is the caller's.
    mutating func cancel() {
        startReading()
        startWriting()
        read.cancel()
        write.cancel()
    }
}
