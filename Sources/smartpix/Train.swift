import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import ReadoutProtocol

/// Sparsification during training (the seed's two ways, or none).
enum Sparsity: String, ExpressibleByArgument, CaseIterable, Codable { case none, l1l2, mdmm }

/// How the learning rate falls during training.
enum LearningRateSchedule: String, ExpressibleByArgument, CaseIterable { case plateau, cosine }

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the Smart Pixels network on the simulator's frames (QKeras) and write its model file.",
        discussion: """
            1. Simulates the data as `smartpix training-data` does (what readout-sim publishes by \
            default; train, validation and test sets from seeds SEED, SEED + 1, SEED + 2), or \
            takes a folder it wrote (--data). 2. Trains the seed's network (CreateModel((13, 21, \
            S), n_filters=5, pool_size=3), quantization-aware with QKeras 0.9 on TensorFlow 2.15, \
            the seed's Gaussian negative log-likelihood, Adam, early stopping on the validation \
            loss, the best epoch kept) with clients/python/smartpix/train.py, a progress line per \
            epoch. 3. Imports the Keras weights with import-keras's importer and the data's input \
            code, so the model file and the weights cannot drift. Writes OUT.json (the model \
            file), OUT.h5 (the Keras weights), OUT-log.csv (loss, validation loss, sparsity, learning \
            rate per epoch) and OUT.record.json (the command, seeds, data sizes, epochs, wall time, final \
            losses, samples/s). --out NAME without a folder writes into models/ of the source \
            tree, where `--model NAME` finds it.
            """
    )

    @OptionGroup var sample: TrainingSampleOptions

    @Option(help: "A folder written by `smartpix training-data` to train on instead of simulating (its manifest then gives geometry, slices and sizes).")
    var data: String?

    @Option(help: "Most epochs (early stopping usually ends sooner).")
    var epochs = 40

    @Option(help: "Clusters per gradient step.")
    var batch = 1024

    @Option(help: "Adam's learning rate.")
    var learningRate = 2e-3

    @Option(
        help: ArgumentHelp(
            "How the learning rate falls: plateau or cosine.",
            discussion:
                "plateau halves it after 2 epochs without a better validation loss; cosine lowers it at every step from --learning-rate to 0 at the last of --epochs (half a cosine period), so the run's length is set in advance and its last epochs take small steps."
        ))
    var schedule: LearningRateSchedule = .plateau

    @Option(help: "Sparsification: none, l1l2 (the seed's regularized baseline) or mdmm.")
    var sparsity: Sparsity = .none

    @Option(help: "MDMM: target fraction of weights whose quantized code is 0 (what the integer model and a chip skip).")
    var target = 0.7

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            "Start from a trained network instead of a random start: a shipped model's NAME or a Keras weights file (.h5).",
            discussion:
                "Sparsifying a trained dense network (--sparsity mdmm --init type2-2slice) keeps more of its resolution than sparsifying from scratch; the architecture and slice count must match. The network it starts from is epoch 0: training returns it unless an epoch does better. A flash-input network starts from a flash-input one (its learned thresholds come from the model file beside the weights).",
            valueName: "model"))
    var initial: String?

    /// The Keras weights --init names.
    var initialWeights: String? {
        guard let initial else { return nil }
        return initial.hasSuffix(".h5") ? initial : ModelCatalog.folder + "/\(initial).h5"
    }

    @Option(help: "Early stopping: epochs without a better validation loss.")
    var patience = 5

    @Option(help: "Output: a NAME (into models/) or a path prefix.")
    var out: String

    var prefix: String { out.contains("/") ? out : ModelCatalog.folder + "/" + out }

    func validate() throws {
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be 1 to 1000, got \(epochs)") }
        guard (1...65536).contains(batch) else { throw ValidationError("--batch must be 1 to 65536, got \(batch)") }
        guard learningRate > 0, learningRate < 1, learningRate.isFinite else { throw ValidationError("--learning-rate must be in (0, 1), got \(learningRate)") }
        guard target > 0, target < 1 else { throw ValidationError("--target must be in (0, 1), got \(target)") }
        guard (1...1000).contains(patience) else { throw ValidationError("--patience must be 1 to 1000, got \(patience)") }
        if let data, !FileManager.default.fileExists(atPath: data + "/manifest.json") {
            throw ValidationError("--data \(data): no manifest.json (write the folder with smartpix training-data)")
        }
        try OutputPath.check(prefix + ".json", flag: "--out")
        if let initial, let w = initialWeights, !FileManager.default.fileExists(atPath: w) {
            throw ValidationError("--init \(initial): no Keras weights at \(w) (give a shipped model's name or an .h5 file)")
        }
    }

    struct Record: Codable {
        var name: String, command: [String], geometry: String, slices: Int, sparsity: Sparsity, seed: UInt64
        var data: [TrainingManifest.Part]
        var inputEncoding: InputEncoding
        var trainer: [String: JSONNumberOrString]
        var wallSeconds: Double
        /// The integer model on the data's test set.
        var evaluation: EvaluationSummary
        enum CodingKeys: String, CodingKey {
            case name, command, geometry, slices, sparsity, seed, data, inputEncoding = "input_encoding", trainer, wallSeconds = "wall_seconds", evaluation
        }
    }

    /// A record names files, not this machine's folders.
    static func withoutFolders(_ argument: String) -> String {
        argument.hasPrefix("/") ? URL(fileURLWithPath: argument).lastPathComponent : argument
    }

    func run() throws {
        let (geometry, slices, events, seed) = (sample.geometry, sample.slices, sample.events, sample.seed)
        let start = ContinuousClock.now
        let name = URL(fileURLWithPath: prefix).lastPathComponent
        // 1. Data.
        let scratch = data == nil ? try PrivateTemporaryFolder(prefix: "smartpix-train") : nil
        defer { scratch?.remove() }
        let folder = data ?? scratch!.url.path
        let manifest: TrainingManifest
        if let data {
            manifest = try JSONDecoder().decode(TrainingManifest.self, from: Data(contentsOf: URL(fileURLWithPath: data + "/manifest.json")))
        } else {
            printProgress("train: simulating \(events) training clusters (\(geometry), \(slices) slices) ...")
            manifest = try TrainingData.write(
                geometry: geometry, slices: slices, events: events, seed: seed, input: sample.input, encoding: try sample.givenEncoding(), to: folder)
        }
        // 2. Training (the helper's progress goes to stderr as it comes).
        var arguments = [
            "--data", folder, "--out", prefix, "--epochs", "\(epochs)", "--batch", "\(batch)", "--learning-rate", "\(learningRate)", "--seed", "\(seed)",
            "--sparsity", sparsity.rawValue, "--patience", "\(patience)", "--schedule", schedule.rawValue,
        ]
        if sparsity == .mdmm { arguments += ["--target", "\(target)"] }
        if let w = initialWeights { arguments += ["--init", w] }
        // A folder written with --input flash trains a flash network; asking for one needs such a folder.
        let flash = manifest.input == .flash
        if sample.input == .flash, !flash {
            throw ValidationError("--data \(folder): no measured charge for --input flash (write it with training-data --input flash)")
        }
        if flash { arguments += ["--input", "flash"] }
        if let initial, let weights = initialWeights {
            // What the network started from takes: its model file is beside its weights, and
            // holds a flash network's learned thresholds (the Keras weights do not).
            let file = String(weights.dropLast(3)) + ".json"
            let start = initial.hasSuffix(".h5") && !FileManager.default.fileExists(atPath: file) ? nil : try ModelCatalog.load(file, flag: "--init").model
            switch (flash, start?.flashInput) {
            case (true, let f?): arguments += ["--init-thresholds", f.thresholds.map { "\($0)" }.joined(separator: ",")]
            case (true, nil):
                throw ValidationError(
                    "--init \(initial): no flash-input network's model file (\(file)) with its learned thresholds; --data \(folder) holds flash training data")
            case (false, _?): throw ValidationError("--init \(initial): \(file) takes 2-bit flash codes, and --data \(folder) holds the input code")
            case (false, nil): break
            }
        }
        let output = try PythonHelper.run("smartpix.train", arguments, purpose: "training \(name)", echo: true)
        guard let last = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
            var summary = try? JSONDecoder().decode([String: JSONNumberOrString].self, from: Data(last.utf8))
        else { throw PythonHelper.Failure(description: "training \(name): the trainer printed no summary") }
        if case .string(let w) = summary["weights"] { summary["weights"] = .string(Self.withoutFolders(w)) }
        // 3. The model file, through the importer.
        var report = try ImportKeras.importModel(weights: prefix + ".h5", slices: manifest.slices, name: name, encoding: manifest.inputEncoding)
        if flash {
            // The learned thresholds go into the model file.
            guard case .string(let text) = summary["flash_thresholds_e"] else {
                throw PythonHelper.Failure(description: "training \(name): the trainer gave no flash thresholds")
            }
            let f = FlashInput(thresholds: text.split(separator: ",").compactMap { Double($0) })
            if let problem = f.problem { throw PythonHelper.Failure(description: "training \(name): \(problem)") }
            report.model.flashInput = f
            report.model.inputEncoding = nil
        }
        let test = try TrainingSet.test(of: folder, manifest: manifest, for: report.model, flag: "--data")
        try OutputPath.write(try ModelFile.encode(report.model), to: prefix + ".json", flag: "--out")
        let wall = (ContinuousClock.now - start).seconds
        let evaluation = try ModelEvaluation.run(report.model, inputs: test.inputs, truth: test.truth, count: test.count)
        let record = Record(
            name: name, command: ["smartpix"] + CommandLine.arguments.dropFirst().map(Self.withoutFolders), geometry: manifest.geometry,
            slices: manifest.slices, sparsity: sparsity,
            seed: seed, data: manifest.parts, inputEncoding: manifest.inputEncoding, trainer: summary, wallSeconds: wall,
            evaluation: EvaluationSummary(evaluation, model: name, geometry: manifest.geometry))
        print(EvaluationSummary.table(evaluation))
        try OutputPath.writeJSON(record, to: prefix + ".record.json", flag: "--out")
        print(
            "\(name): \(prefix).json (\(report.model.architecture.parameterCount) parameters, \(report.zeroCodes) of \(report.totalWeights) weights 0), trained in \(String(format: "%.0f", wall)) s"
        )
    }
}

/// A JSON value that is a number or a string (the trainer's summary).
enum JSONNumberOrString: Codable {
    case number(Double), string(String)
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}
