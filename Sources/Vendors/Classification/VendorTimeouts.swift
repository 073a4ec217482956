/// Deadlines for one vendor's calls, each covering the whole request (connection wait, connect, send, response).
public struct VendorTimeouts: Sendable, Equatable {
    /// Reads: vehicle lists, charge state.
    public var data: Duration
    /// Commands, including wakes.
    public var command: Duration
    /// The OAuth token endpoint.
    public var token: Duration

    public init(data: Duration, command: Duration, token: Duration) {
        self.data = data
        self.command = command
        self.token = token
    }

    /// Tesla: `vehicle_data` answers within seconds or gives 408 after ~9 s; the signing proxy allows a command
    /// 10 s (tesla-fleet.md §10). Data 15 s, commands 20 s, token 15 s.
    public static let tesla = VendorTimeouts(data: .seconds(15), command: .seconds(20), token: .seconds(15))

    /// Smartcar: answers take 3–45 s and up to 300 s; the official SDKs wait 310 s (smartcar.md §8). Giving up
    /// sooner on a command that may still run invites a duplicate, so data and commands default to 310 s; token 30 s.
    public static let smartcar = VendorTimeouts(data: .seconds(310), command: .seconds(310), token: .seconds(30))
}
