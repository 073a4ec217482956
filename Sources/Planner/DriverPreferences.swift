import Foundation

/// What a driver asked for. The planner never curtails against these (DESIGN §5, "never strand a driver").
public struct DriverPreferences: Sendable, Hashable, Codable {
    /// State of charge, in percent, below which the vehicle is never curtailed; `nil` for none.
    public var minimumSoC: Double?
    /// When the driver next leaves; `nil` when unknown. A departure in the past is ignored.
    public var departure: Date?
    /// The driver opted out of the event being planned. The caller sets it per event.
    public var optedOutOfEvent: Bool
    /// The driver opted out of every event until this time; ignored once it has passed.
    public var optedOutUntil: Date?

    public init(
        minimumSoC: Double? = nil, departure: Date? = nil, optedOutOfEvent: Bool = false, optedOutUntil: Date? = nil
    ) {
        self.minimumSoC = minimumSoC
        self.departure = departure
        self.optedOutOfEvent = optedOutOfEvent
        self.optedOutUntil = optedOutUntil
    }

    /// `true` when opted out of this event, or of all events until a time after `now`.
    public func isOptedOut(at now: Date) -> Bool {
        if optedOutOfEvent { return true }
        if let until = optedOutUntil, until > now { return true }
        return false
    }
}
