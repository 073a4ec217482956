import Foundation
import Synchronization

/// Wall-clock time source, seconds since 1970. Injected so tests can move time (rate-limit windows, wake-up delay,
/// physics) without sleeping.
public protocol SimulatorClock: Sendable {
    func now() -> Double
}

/// The real clock.
public struct SystemClock: SimulatorClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
}

/// A clock that moves only when told to. Thread-safe.
public final class ManualClock: SimulatorClock {
    private let time: Mutex<Double>

    public init(start: Double = 1_767_225_600) { time = Mutex(start) }  // 2026-01-01T00:00:00Z
    public func now() -> Double { time.withLock { $0 } }
    public func advance(by seconds: Double) { time.withLock { $0 += seconds } }
}

/// Maps wall time to simulated time: `sim = origin + (wall − origin) × scale`.
///
/// Vehicle behaviour (physics, wake delay, idle sleep) runs on simulated time; the vendors' clouds (token expiry,
/// rate-limit windows) run on wall time, because clients pace themselves by the wall clock.
public struct TimeBase: Sendable {
    public let origin: Double
    public let scale: Double

    public func simulated(_ wall: Double) -> Double { origin + (wall - origin) * scale }
}
