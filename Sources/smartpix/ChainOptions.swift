import ArgumentParser
import CommandLineSupport
import OnPixelInference
import ReadoutProtocol
import ReadoutSim

/// What pipeline and soak both ask for: the front end, the model and the inference threads.
struct ChainOptions: ParsableArguments {
    @Option(help: "Front end: library or physics.")
    var mode: FrameSourceSettings.Mode = .library

    @Option(help: "Model: a name in models/ (smartpix models) or a model file; the front end simulates its geometry and slices.")
    var model = ModelCatalog.defaultName

    @Option(help: "Inference threads (per worker).")
    var threads = 1

    @Option(
        help: ArgumentHelp(
            "Mean clusters per bunch crossing in the region (Poisson).",
            discussion: "0.04 is the HL-LHC barrel layer at 30 mm (docs/readout-sim.md); lower it to find the rate this machine sustains."))
    var occupancy = FrameSourceSettings.highLuminosityOccupancy

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64, got \(threads)") }
        guard occupancy > 0, occupancy <= 1000 else { throw ValidationError("--occupancy must be in (0, 1000] clusters per crossing, got \(occupancy)") }
    }

    /// The front end for the model: its geometry (from its name) and slices, its input code.
    func prepare(truth: Bool) throws -> (FrameSourceSettings, QuantizedModel) {
        var network = try ModelCatalog.load(model, flag: "--model").model
        var settings = FrameSourceSettings()
        settings.mode = mode
        settings.seed = seed
        settings.includeTruth = truth
        settings.occupancy = occupancy
        if let g = ModelCatalog.geometry(ofName: network.name) { settings.simulation.sensor = try Sensor(geometry: .named(g)) }
        guard let slices = TimeSlices.network(channels: network.architecture.slices) else {
            throw ValidationError("--model: the network takes \(network.architecture.slices) slices; the front end sends 2 or 20")
        }
        settings.keptSlices = slices
        // The front end emits the network's input: its flash codes, or its input code with the
        // model's constants (fitted here for a model without them).
        if network.frontEndADC == nil { network.inputEncoding = try settings.fittedInputEncoding() }
        settings.frontEnd.adc = network.frontEndADC!
        return (settings, network)
    }
}
