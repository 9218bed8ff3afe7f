import ArgumentParser
import CommandLineSupport
import Dispatch
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim
import ReferenceData
import Synchronization

/// Network inputs and truth straight from the streaming front end, for training and
/// evaluation: physics mode, the layer's track spectrum, the front end's default noise and
/// thresholds, and the network's 4-bit input code, exactly what readout-sim publishes.
struct TrainingSet {
    /// `count x rows x columns x slices` input codes (NHWC, -8...7): value = code / 8. With a
    /// flash ADC, 2k for flash code k (`FlashInput`).
    var inputs: [Int8]
    /// With `includeCharge`: the measured charge (noise added, zero-suppressed), electrons,
    /// in the same NHWC order.
    var charge: [Float] = []
    /// `count x 13` truth labels in `TruthLabel` order.
    var truth: [Float]
    var count: Int

    /// The first `count` clusters of the front end's stream with these settings (includeTruth
    /// and the ADC are set here), generated chunk by chunk on all cores; the same settings
    /// give the same set.
    static func make(_ base: FrameSourceSettings, count: Int, progress: (@Sendable (Int) -> Void)? = nil) throws -> TrainingSet {
        var settings = base
        settings.includeTruth = true
        let source = try FrameSource(settings)
        let pixels = source.shape.rows * source.shape.columns, slices = source.shape.slices
        let perChunk = max(settings.occupancy * Double(FrameSource.chunkCrossings), 1)
        var set = TrainingSet(inputs: [], truth: [], count: 0)
        let step: Int8 = if case .flash = settings.frontEnd.adc { FlashInput.inputStep } else { 1 }
        set.inputs.reserveCapacity(count * pixels * slices)
        var next = 0
        while set.count < count {
            // Enough chunks for what is missing (plus a margin), made in parallel, taken in
            // order; at most about 65,536 clusters a round, so that the chunks in flight stay
            // small beside the set (20-slice chunks carry 5,460 codes a cluster).
            let missing = Int((Double(count - set.count) / perChunk * 1.05).rounded(.up)) + 1
            let wanted = min(missing, max(2 * ProcessInfo.processInfo.activeProcessorCount, Int(65536 / perChunk)))
            let chunks = Mutex([FrameChunk?](repeating: nil, count: wanted))
            let first = next
            DispatchQueue.concurrentPerform(iterations: wanted) { i in
                let c = source.chunk(first + i)
                chunks.withLock { $0[i] = c }
            }
            next += wanted
            for c in chunks.withLock({ $0 }) {
                guard let c else { continue }
                let all = Array(0..<slices), frame = pixels * slices
                for r in 0..<c.count where set.count < count {
                    let range = (r * frame)..<((r + 1) * frame)
                    appendNHWC(c.codes[range], pixels: pixels, slices: all, to: &set.inputs) { inputCode($0, step: step) }
                    if settings.includeCharge { appendNHWC(c.charge[range], pixels: pixels, slices: all, to: &set.charge) { $0 } }
                    set.truth += c.truth[(r * TruthLabel.count)..<((r + 1) * TruthLabel.count)]
                    set.count += 1
                }
            }
            progress?(set.count)
        }
        return set
    }

    /// NAME-charge.npy of `folder`, flat.
    static func readCharge(from folder: String, name: String) throws -> [Float] {
        let path = folder + "/\(name)-charge.npy"
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read") }
        do { return try NumPyArray(npy: data, name: path).float32() } catch { throw ValidationError("\(error)") }
    }

    /// Reads what `write` wrote; the error names the file.
    static func read(from folder: String, name: String) throws -> TrainingSet {
        func load(_ file: String) throws -> NumPyArray {
            let path = folder + "/\(name)-\(file).npy"
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read") }
            do { return try NumPyArray(npy: data, name: path) } catch { throw ValidationError("\(error)") }
        }
        let inputs = try load("inputs"), labels = try load("labels")
        guard inputs.shape.count == 4, labels.shape == [inputs.shape[0], TruthLabel.count] else {
            throw ValidationError("\(folder)/\(name): inputs \(inputs.shape) and labels \(labels.shape) do not fit (N, 13, 21, S) and (N, 13)")
        }
        return TrainingSet(inputs: try inputs.int8(), truth: try labels.float32(), count: inputs.shape[0])
    }

    /// The test set of a training-data `folder` as `model` sees it: its inputs as written when
    /// they carry the model's input code, its measured charge through the model's learned
    /// flash thresholds for a flash-input model; refused when the two do not fit.
    static func test(of folder: String, manifest: TrainingManifest, for model: QuantizedModel, flag: String) throws -> TrainingSet {
        guard manifest.slices == model.architecture.slices else {
            throw ValidationError("\(flag) \(folder): \(manifest.slices)-slice data, the model takes \(model.architecture.slices) slices")
        }
        var test = try read(from: folder, name: "test")
        if let f = model.flashInput {
            guard manifest.input == .flash else {
                throw ValidationError("\(flag) \(folder): no measured charge for a flash-input model (write it with training-data --input flash)")
            }
            test.inputs = try readCharge(from: folder, name: "test").map { f.code($0) &* FlashInput.inputStep }
        } else if model.inputEncoding != manifest.inputEncoding {
            throw ValidationError(
                "\(flag) \(folder): its inputs are coded with other constants than the model's (write it with training-data --encoding-from the model)")
        }
        return test
    }

    /// Writes NAME-inputs.npy (int8) and NAME-labels.npy (float32) into `folder`, and
    /// NAME-charge.npy (float32) when the set has charge.
    func write(to folder: String, name: String, rows: Int, columns: Int, slices: Int) throws {
        let inputs = NumPyArray(int8: self.inputs, shape: [count, rows, columns, slices])
        try WholeFile.write(inputs.npy, to: folder + "/\(name)-inputs.npy")
        if !charge.isEmpty {
            try WholeFile.write(NumPyArray(float32: charge, shape: [count, rows, columns, slices]).npy, to: folder + "/\(name)-charge.npy")
        }
        try WholeFile.write(NumPyArray(float32: truth, shape: [count, TruthLabel.count]).npy, to: folder + "/\(name)-labels.npy")
    }
}

/// What a training-data folder holds (manifest.json).
struct TrainingManifest: Codable {
    struct Part: Codable {
        var name: String
        var seed: UInt64
        var clusters: Int
    }
    var geometry: String
    var slices: Int
    /// The front end that made the inputs, with the input code's constants.
    var frontEnd: FrontEndDescription
    var inputEncoding: InputEncoding
    var labelColumns: [String]
    var parts: [Part]
    /// "flash" when the sets also hold the measured charge (NAME-charge.npy) for a network
    /// that learns its flash-ADC thresholds; nil otherwise.
    var input: NetworkInputKind?

    enum CodingKeys: String, CodingKey {
        case geometry, slices, frontEnd = "front_end", inputEncoding = "input_encoding", labelColumns = "label_columns", parts, input
    }
}

struct TrainingData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training-data",
        abstract: "Simulate network inputs with truth for training and evaluation, as compact NumPy files.",
        discussion: """
            Writes DIR/train-, validation- and test-inputs.npy (int8 codes, N x 13 x 21 x S, \
            NHWC: the network's input is code / 8) and -labels.npy (float32, N x 13, the truth \
            labels in the wire's order) and DIR/manifest.json (the front end, the input code's \
            constants, seeds and counts). The clusters are what readout-sim publishes by default: \
            the full physics chain (physics mode) on the barrel layer with the minimum-bias pT \
            spectrum, noise 30 e, thresholds 400 +- 20 e, the network's 4-bit input code with \
            constants fitted on simulated clusters of the geometry. The three sets come from \
            disjoint seeds (SEED, SEED + 1, SEED + 2). A million 2-slice clusters are 273 MB.
            """
    )

    @OptionGroup var sample: TrainingSampleOptions

    @Option(help: "Output folder.")
    var out: String

    func validate() throws {
        try OutputPath.checkFolder(out, flag: "--out")
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let s = sample
        let manifest = try Self.write(
            geometry: s.geometry, slices: s.slices, events: s.events, seed: s.seed, input: s.input, encoding: try s.givenEncoding(), to: out)
        print("wrote \(out): \(manifest.parts.map { "\($0.name) \($0.clusters)" }.joined(separator: ", ")) clusters, \(s.geometry), \(s.slices) slices")
    }

    /// The front end's settings for a geometry and slice count, with the input code's
    /// constants given or fitted on simulated clusters of the geometry.
    static func settings(geometry: String, slices: Int, seed: UInt64, adc: ADC? = nil) throws -> FrameSourceSettings {
        var s = FrameSourceSettings()
        s.mode = .physics
        s.occupancy = 1
        s.seed = seed
        s.simulation.sensor = try Sensor(geometry: .named(geometry))
        s.keptSlices = TimeSlices.network(channels: slices)!
        s.frontEnd.adc = try adc ?? .networkInput(frontEndEncoding(s))
        return s
    }

    /// The input code's constants fitted on what the network will see: the front end's
    /// measured charge (noise, threshold and zero suppression applied) of the kept slices of
    /// 5,000 clusters from a seed of their own. (Fitted on the raw simulated charge instead,
    /// the far neighbours' sub-electron induction pulls the mean to about 3 and most hit
    /// pixels saturate the 4-bit code.)
    static func frontEndEncoding(_ base: FrameSourceSettings) throws -> InputEncoding {
        var s = base
        s.seed = base.seed ^ 0xE4C0DE
        s.includeCharge = true
        s.frontEnd.adc = .networkInput(InputEncoding(mean: 10, std: 1))
        let source = try FrameSource(s)
        var charges: [Float] = []
        var chunk = 0, clusters = 0
        while clusters < 5000 {
            let c = source.chunk(chunk)
            charges += c.charge
            clusters += c.count
            chunk += 1
        }
        guard let e = InputEncoding.fit(charges: charges) else { throw ValidationError("cannot fit the input code: the front end saw no charge") }
        return e
    }

    static func write(
        geometry: String, slices: Int, events: Int, seed: UInt64, input: NetworkInputKind, encoding given: InputEncoding? = nil, to folder: String
    ) throws -> TrainingManifest {
        var base = try settings(geometry: geometry, slices: slices, seed: seed, adc: given.map { .networkInput($0) })
        base.includeCharge = input == .flash
        guard case .networkInput(let encoding) = base.frontEnd.adc else { fatalError("the ADC was set above") }
        var parts: [TrainingManifest.Part] = []
        for (i, (name, n)) in [("train", events), ("validation", max(events / 10, 100)), ("test", max(events / 10, 100))].enumerated() {
            var s = base
            s.seed = seed + UInt64(i)
            let start = ContinuousClock.now
            let set = try TrainingSet.make(s, count: n) { done in printProgress("training-data: \(name) \(done) of \(n) clusters") }
            try set.write(to: folder, name: name, rows: s.simulation.rows, columns: s.simulation.columns, slices: slices)
            let seconds = (ContinuousClock.now - start).seconds
            printProgress(String(format: "training-data: %@ %d clusters in %.1f s (%.0f clusters/s)", name, n, seconds, Double(n) / seconds))
            parts.append(.init(name: name, seed: s.seed, clusters: n))
        }
        let manifest = TrainingManifest(
            geometry: geometry, slices: slices, frontEnd: base.runDescription(batch: 0), inputEncoding: encoding,
            labelColumns: TruthLabel.allCases.map(\.name), parts: parts, input: input == .flash ? .flash : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try WholeFile.write(encoder.encode(manifest), to: folder + "/manifest.json")
        return manifest
    }
}

/// The network's input: the 4-bit network code, or 2-bit flash codes with learned thresholds.
enum NetworkInputKind: String, ExpressibleByArgument, CaseIterable, Codable { case network, flash }

/// What the training data is: shared by training-data and train.
struct TrainingSampleOptions: ParsableArguments {
    @Option(help: "Sensor geometry: type1 ... type7.")
    var geometry = "type2"

    @Option(help: "Time slices: 2 (first and last of 20) or 20.")
    var slices = 2

    @Option(help: "Training clusters (validation and test get a tenth each).")
    var events = 1_000_000

    @Option(help: "Seed of the training set (validation SEED + 1, test SEED + 2); train also seeds its weights with it.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "What the network takes: network (the 4-bit input code) or flash (the chip's 2-bit flash-ADC codes, thresholds learned in training).",
            discussion:
                "flash also writes the measured charge of every cluster (NAME-charge.npy, float32, 4 bytes per pixel and slice), from which train learns the thresholds."
        ))
    var input: NetworkInputKind = .network

    @Option(
        help: ArgumentHelp(
            "Take the network input code's constants from this model (a shipped NAME or a model file) instead of fitting them on the data.",
            discussion:
                "With the constants of type2-2slice, 20-slice data code slices 0 and 19 exactly as that model's inputs, so train --init type2-2slice starts the 20-slice network where the 2-slice one ended.",
            valueName: "model"))
    var encodingFrom: String?

    /// The constants --encoding-from names (nil: fit them).
    func givenEncoding() throws -> InputEncoding? {
        guard let encodingFrom else { return nil }
        let (path, model) = try ModelCatalog.load(encodingFrom, flag: "--encoding-from")
        guard let e = model.inputEncoding else {
            throw ValidationError("--encoding-from \(path): the model has no network input code's constants (a flash-input model?)")
        }
        return e
    }

    func validate() throws {
        guard TimeSlices.network(channels: slices) != nil else { throw ValidationError("--slices must be 2 or 20, got \(slices)") }
        guard (100...20_000_000).contains(events) else { throw ValidationError("--events must be 100 to 20000000, got \(events)") }
        do { _ = try SensorGeometry.named(geometry) } catch { throw ValidationError("--geometry: \(error)") }
    }
}
