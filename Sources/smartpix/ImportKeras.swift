import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim

struct ImportKeras: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-keras",
        abstract: "Convert a Keras/QKeras weights file of the seed architecture into a model file.",
        discussion: """
            Reads WEIGHTS.hdf5 (Keras 2 save_weights, as smart-pixels-ml writes; the HDF5 is read \
            by clients/python/smartpix/keras_weights.py with h5py) and maps its layers onto the \
            network by position and shape, so checkpoints whose layer names differ (q_dense, \
            q_dense_3, ...) import alike; a file that does not fit is refused with the reason. \
            Weights are quantized exactly as QKeras does at every call (the seed's quantizers, \
            quantization.md), so the integer engine reproduces the checkpoint bit for bit. The \
            input encoding (the seed's preprocessing: sign(q) log2(1 + |q|), standardized, divided \
            by 1.7 or 2.5, 4-bit quantizer) takes --encoding-mean/--encoding-std, else they are \
            fitted on 2,000 clusters simulated for --geometry (the seed's own constants were not \
            saved with its checkpoints).
            """
    )

    @Argument(help: "Keras weights file (.hdf5 / .h5).")
    var weights: String

    @Option(help: "Input time slices the model was trained on: 2 (first and last) or 20.")
    var slices: Int

    @Option(help: "Model file to write (docs/model-format.md).")
    var out: String

    @Option(help: "Model name (default: the weights file's name).")
    var name: String?

    @Option(help: "Mean of sign(q) log2(1 + |q|) over hit pixels in the training data.")
    var encodingMean: Double?

    @Option(help: "Its standard deviation.")
    var encodingStd: Double?

    @Option(help: "Division of positive standardized values.")
    var positiveDivisor = 1.7

    @Option(help: "Division of negative standardized values.")
    var negativeDivisor = 2.5

    @Option(help: "Geometry simulated to fit the encoding when it is not given.")
    var geometry = "type2"

    func validate() throws {
        guard slices == 2 || slices == 20 else { throw ValidationError("--slices must be 2 or 20, got \(slices)") }
        guard FileManager.default.isReadableFile(atPath: weights) else { throw ValidationError("\(weights): no such readable file") }
        if (encodingMean == nil) != (encodingStd == nil) { throw ValidationError("--encoding-mean and --encoding-std go together") }
        if let s = encodingStd, !(s > 0) { throw ValidationError("--encoding-std must be positive, got \(s)") }
        guard positiveDivisor > 0, negativeDivisor > 0 else { throw ValidationError("the divisors must be positive") }
        try OutputPath.check(out, flag: "--out")
    }

    func run() throws {
        let encoding: InputEncoding
        if let m = encodingMean, let s = encodingStd {
            encoding = InputEncoding(mean: m, std: s, positiveDivisor: positiveDivisor, negativeDivisor: negativeDivisor)
        } else {
            var settings = FrameSourceSettings()
            settings.simulation.sensor = try Sensor(geometry: .named(geometry))
            settings.keptSlices = TimeSlices.network(channels: slices)!
            let fitted = try settings.fittedInputEncoding()
            encoding = InputEncoding(mean: fitted.mean, std: fitted.std, positiveDivisor: positiveDivisor, negativeDivisor: negativeDivisor)
        }
        let modelName = name ?? URL(fileURLWithPath: weights).deletingPathExtension().lastPathComponent
        let report = try Self.importModel(weights: weights, slices: slices, name: modelName, encoding: encoding)
        try OutputPath.write(try ModelFile.encode(report.model), to: out, flag: "--out")
        let a = report.model.architecture
        print("\(weights) -> \(out): \(a.slices) slices, \(a.filters) filters, dense \(a.hidden + [a.outputs]), \(a.parameterCount) parameters")
        for line in report.mapping { print("  \(line)") }
        print(
            String(
                format: "  %d weights, %d quantized to 0 (%.1f %%), %d outside their quantizer's range (clipped, as QKeras does)", report.totalWeights,
                report.zeroCodes, 100 * Double(report.zeroCodes) / Double(max(report.totalWeights, 1)), report.clipped))
        print(
            String(
                format: "  input encoding: mean %.4f, std %.4f%@", encoding.mean, encoding.std,
                encodingMean == nil ? " (fitted on simulated \(geometry) clusters)" : ""))
    }

    /// The one way a Keras weights file becomes a model (import-keras and train): the helper
    /// reads the HDF5, `KerasImport` maps and quantizes it as QKeras does.
    static func importModel(weights: String, slices: Int, name: String, encoding: InputEncoding) throws -> KerasImport.Report {
        let json = try PythonHelper.run("smartpix.keras_weights", [weights], purpose: "reading \(weights)")
        let file: KerasWeights
        do { file = try JSONDecoder().decode(KerasWeights.self, from: json) } catch { throw ValidationError("\(weights): unexpected helper output (\(error))") }
        do { return try KerasImport.model(from: file, slices: slices, name: name, inputEncoding: encoding) } catch {
            throw ValidationError("\(weights): \(error)")
        }
    }
}
