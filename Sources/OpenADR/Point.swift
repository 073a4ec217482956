/// A 2-D point (`{ "x": float, "y": float }`), e.g. one vertex of a `CURVE` payload.
public struct Point: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}
