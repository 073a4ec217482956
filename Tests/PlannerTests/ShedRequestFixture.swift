import OpenADR

/// Short spellings for tests: `.simple(2)`, `.cap(11.5)`.
enum ShedRequestFixture {
    case simple(Int)
    case cap(Double)
    case unsupported

    var request: ShedRequest {
        switch self {
        case .simple(let level): .simple(level: level)
        case .cap(let kW): .importCapacityLimit(kW: kW)
        case .unsupported: .unsupported(type: .price)
        }
    }
}
