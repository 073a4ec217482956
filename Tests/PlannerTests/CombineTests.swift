import Testing

@testable import Planner

@Suite struct CombineTests {
    @Test func noEvents_IsNormal() {
        #expect(Planner.combine([]) == .normal)
    }

    @Test func lowerPriorityNumber_Wins_EvenWhenLessRestrictive() {
        #expect(Planner.combine([(priority: 5, target: .stopped), (priority: 1, target: .normal)]) == .normal)
        #expect(
            Planner.combine([(priority: 0, target: .limited(amps: 16)), (priority: 3, target: .stopped)])
                == .limited(amps: 16))
    }

    @Test func equalPriority_MostRestrictiveWins() {
        #expect(
            Planner.combine([(priority: 2, target: .normal), (priority: 2, target: .limited(amps: 10))])
                == .limited(amps: 10))
        #expect(
            Planner.combine([(priority: 2, target: .limited(amps: 6)), (priority: 2, target: .limited(amps: 10))])
                == .limited(amps: 6))
        #expect(
            Planner.combine([(priority: 2, target: .limited(amps: 6)), (priority: 2, target: .stopped)]) == .stopped)
    }

    @Test func unspecifiedPriority_IsLowest() {
        #expect(Planner.combine([(priority: Int.max, target: .stopped), (priority: 9, target: .normal)]) == .normal)
    }

    @Test func order_DoesNotMatter() {
        let entries: [(priority: Int, target: ChargingTarget)] = [
            (1, .limited(amps: 12)), (4, .stopped), (1, .limited(amps: 8)), (1, .normal),
        ]
        #expect(Planner.combine(entries) == .limited(amps: 8))
        #expect(Planner.combine(entries.reversed()) == .limited(amps: 8))
    }
}
