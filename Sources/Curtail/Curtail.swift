import ArgumentParser

@main
struct Curtail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Demand response for EV charging: OpenADR 3 events in, vehicle charging commands out.",
        subcommands: [Serve.self, Migrate.self, Clients.self, Sim.self, ReportsCommand.self]
    )
}
