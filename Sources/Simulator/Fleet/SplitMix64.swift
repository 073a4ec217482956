/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seedable generator, so a fleet is the same for the same `--seed`.
/// Swift's `SystemRandomNumberGenerator` cannot be seeded.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// `count` lower-case hex digits.
    public mutating func hex(_ count: Int) -> String {
        var out = ""
        out.reserveCapacity(count)
        while out.count < count {
            let word = String(next(), radix: 16)
            out += String(repeating: "0", count: 16 - word.count) + word
        }
        return String(out.prefix(count))
    }

    /// A version-4-shaped UUID string, lower case (as Smartcar's vehicle ids are).
    public mutating func uuid() -> String {
        let h = Array(hex(32))
        let variant = ["8", "9", "a", "b"][Int(next() % 4)]
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-4" + String(h[13..<16]) + "-" + variant
            + String(h[17..<20]) + "-" + String(h[20..<32])
    }

    /// Picks from weighted choices.
    public mutating func weighted<T>(_ choices: [(T, Double)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var x = Double.random(in: 0..<total, using: &self)
        for (value, weight) in choices {
            if x < weight { return value }
            x -= weight
        }
        return choices[choices.count - 1].0
    }
}
