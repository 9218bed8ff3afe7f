import ArgumentParser
import CommandLineSupport
import OnPixelInference
import Randomness

struct MakeModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-model",
        abstract: "Write a model file with RANDOM weights (for trying the tools; it predicts nothing).",
        discussion:
            "Every weight is a uniform random code of its layer's type. Trained models come from training or from importing a smart-pixels-ml checkpoint."
    )

    @Option(help: "Input time slices (2 or 20 for the seed; 1...255).")
    var slices = 2

    @Option(help: "Filters of the convolutions.")
    var filters = 5

    @Option(help: "Seed of the random weights.")
    var seed: UInt64 = 1

    @Option(help: "Output path.")
    var out: String

    func validate() throws {
        guard (1...255).contains(slices) else { throw ValidationError("--slices must be 1...255, got \(slices)") }
        guard (1...64).contains(filters) else { throw ValidationError("--filters must be 1...64, got \(filters)") }
        try OutputPath.check(out, flag: "--out")
    }

    func run() throws {
        var rng = SplitMix64(seed: seed)
        var m = QuantizedModel.random(.smartPixels(slices: slices, filters: filters), using: &rng)
        m.name = "random-\(slices)slice-seed\(seed)"
        try m.validate()
        try OutputPath.write(try ModelFile.encode(m), to: out, flag: "--out")
        print("wrote \(out): \(m.architecture.parameterCount) parameters, \(m.architecture.multiplyAccumulates) MACs per event (random weights)")
    }
}
