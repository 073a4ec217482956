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
}
