import ArgumentParser

@main
struct ReadoutSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readout-sim",
        abstract: "the sensor simulation front end (physics and streaming issues): not built yet.",
        discussion:
            "This stage exists as a target so the layout is fixed; it refuses to run until it is implemented. 'smartpix pipeline' runs what the chain has today."
    )

    func run() throws {
        throw ValidationError("readout-sim is not implemented yet; run 'smartpix pipeline' for what the chain does today")
    }
}
