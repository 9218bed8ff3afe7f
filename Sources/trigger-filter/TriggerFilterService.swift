import ArgumentParser

@main
struct TriggerFilterServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger-filter",
        abstract: "the trigger filter stage: not built yet.",
        discussion:
            "This stage exists as a target so the layout is fixed; it refuses to run until it is implemented. 'smartpix pipeline' runs what the chain has today."
    )

    func run() throws {
        throw ValidationError("trigger-filter is not implemented yet; run 'smartpix pipeline' for what the chain does today")
    }
}
