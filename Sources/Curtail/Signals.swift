import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Process signals as async events. Nonisolated on purpose: Dispatch handlers must not be MainActor closures.
enum Signals {
    /// Returns when SIGTERM or SIGINT arrives.
    static func waitForTermination() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let queue = DispatchQueue(label: "curtail.signals")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)  // Dispatch delivers it instead of the default handler.
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            sources.append(source)
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }

    /// Runs `handler` on every SIGHUP until the returned source is cancelled.
    static func onHangup(_ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)  // the default action would end the process
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "curtail.signals.hup"))
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}
