import ArgumentParser

@main
struct OnPixelInferenceServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onpixel-infer",
        abstract: "the on-pixel inference stage (inference issue): not built yet.",
        discussion:
            "This stage exists as a target so the layout is fixed; it refuses to run until it is implemented. 'smartpix pipeline' runs what the chain has today."
    )

    func run() throws {
        throw ValidationError("onpixel-infer is not implemented yet; run 'smartpix pipeline' for what the chain does today")
    }
}
