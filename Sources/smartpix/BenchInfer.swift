import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import Randomness

/// Synthetic kinds, or the PixelAV-simulated clusters of the shared reference data.
enum BenchInputs: String, ExpressibleByArgument, CaseIterable {
    case clusters, dense, pixelav, simulated
}

struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Network throughput on one core: integer engine beside the float reference.",
        discussion: """
            Runs the 2- and 20-slice seed architectures (random weights of the full code ranges, \
            or --model) on synthetic inputs: 'clusters' (1-12 non-zero pixels, what the chip \
            sees) or 'dense' (every pixel random, the worst case for zero skipping). MACs per \
            event are those of a dense evaluation; effective GMAC/s = events/s x MACs / 10^9.
            """
    )

    @Option(help: "Integer-engine events per model.")
    var events = 2_000_000

    @Option(
        help:
            "Inputs: clusters (synthetic blobs), dense (every pixel random), pixelav (the 450 PixelAV clusters of ../shared/reference, encoded as the seed does) or simulated (4,096 clusters from readout-sim's front end: barrel tracks, 400 e threshold, the network's 4-bit code)."
    )
    var inputs: BenchInputs = .clusters

    @Option(help: "Reference data folder for --inputs pixelav (default: ../shared/reference beside the package).")
    var reference: String?

    @Option(help: "A model file to time instead of the random 2- and 20-slice models.")
    var model: String?

    @Option(help: "Seed of the random models and inputs.")
    var seed: UInt64 = 1

    @OptionGroup(title: "Monitoring (to measure what it costs)") var monitoring: MetricsOptions

    @Flag(help: "Print one JSON object (int_events_per_s_2slice, int_events_per_s_20slice, float_events_per_s_2slice, ...).")
    var json = false

    func validate() throws {
        guard events >= 1000 else { throw ValidationError("--events must be at least 1000, got \(events)") }
    }

    func run() throws {
        // The endpoint serves while the engine runs (the engine itself publishes nothing:
        // this measures what serving and scraping take from the core next to it).
        let monitor = try monitoring.start("bench infer")
        defer { monitor?.finish() }
        var rng = SplitMix64(seed: seed)
        let models =
            try model.map { [try ModelFile.load(path: $0)] }
            ?? [2, 20].map { QuantizedModel.random(.smartPixels(slices: $0), using: &rng) }
        let bench = InferenceBenchmark(events: events, seed: seed)
        let results = try models.map { m in
            switch inputs {
            case .clusters: return try bench.run(model: m, inputs: .clusters)
            case .dense: return try bench.run(model: m, inputs: .dense)
            case .pixelav: return try bench.run(model: m, inputs: try PixelAVInputs.load(reference: reference, model: m), label: "pixelav")
            case .simulated: return try bench.run(model: m, inputs: try SimulatedInputs.make(model: m, seed: seed), label: "simulated")
            }
        }
        if json {
            var o: [String: Any] = ["inputs": inputs.rawValue]
            for r in results {
                o["int_events_per_s_\(r.slices)slice"] = r.intEventsPerS
                o["float_events_per_s_\(r.slices)slice"] = r.floatEventsPerS
                o["macs_per_event_\(r.slices)slice"] = r.macsPerEvent
                o["int_effective_gmac_per_s_\(r.slices)slice"] = r.intEffectiveGMACPerS
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("inputs: \(inputs.rawValue); one core")
        print("slices   MACs/event   integer events/s   effective GMAC/s   float-reference events/s   ratio")
        for r in results {
            print(
                String(
                    format: "%6d   %10d   %16.0f   %16.1f   %24.0f   %5.0fx", r.slices, r.macsPerEvent, r.intEventsPerS, r.intEffectiveGMACPerS,
                    r.floatEventsPerS, r.intEventsPerS / r.floatEventsPerS))
        }
    }
}
