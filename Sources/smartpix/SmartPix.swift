import ArgumentParser

@main
struct SmartPix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartpix",
        abstract: "Offline tools, benchmarks and the all-in-one pipeline of the smart-pixel readout simulator.",
        discussion: """
            The streaming stages run as their own programs (readout-sim, onpixel-infer, \
            trigger-filter); smartpix holds what runs in one process: the whole chain \
            (pipeline), benchmarks, and stream tools for checking a consumer or a producer.
            """,
        subcommands: [
            Pipeline.self, Soak.self, Bench.self, TestStream.self, ReadStream.self, InspectRun.self, Infer.self, MakeModel.self, ValidatePhysics.self,
            Simulate.self,
            ImportKeras.self, ExportDataset.self, TrainingData.self, Train.self, Evaluate.self, Models.self, Study.self, Dashboard.self,
        ]
    )
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks; build with -c release before reading their figures.",
        subcommands: [BenchTransport.self, BenchInfer.self, BenchSim.self, BenchFrontEnd.self, BenchTrigger.self]
    )
}
