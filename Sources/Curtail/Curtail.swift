import ArgumentParser

@main
struct Curtail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Demand response for EV charging.")
}
