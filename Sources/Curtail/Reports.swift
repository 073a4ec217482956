import API
import ArgumentParser
import Foundation
import Logging
import Reports

/// `curtail reports refresh <event-id>`: one measurement pass over an event, as the report publisher runs it in
/// the background (running intervals re-measured, ended ones frozen). For re-measuring after a telemetry backfill,
/// and for timing the roll-up (`scripts/bench-report`).
struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports", abstract: "Event report maintenance.", subcommands: [Refresh.self])

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure an event's started, not yet frozen intervals now and print how many and how long it took.")

        @Argument(help: "The event id.")
        var eventID: String

        func run() async throws {
            LoggingSetup.bootstrap()
            let configuration = try CurtailConfiguration.fromEnvironment()
            let logger = Logger(label: "curtail.reports")
            let pool = CurtailApplication.makePool(configuration, logger: logger)
            let started = ContinuousClock.now
            let measured = try await ReportStore(pool: pool, logger: logger).refresh(eventID: eventID, maxAge: 0)
            let elapsed = ContinuousClock.now - started
            print("measured \(measured) windows in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))")
        }
    }
}
