import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import Randomness
import ReadoutProtocol
import ReadoutSim
import ReferenceData

/// A dataset in smart-pixels-ml's parquet layout (docs/interop.md) as network inputs: its
/// induced charge put through the chip's front end (noise, per-pixel thresholds, zero
/// suppression, the model's input code) exactly as readout-sim's frames are, so that a model
/// is evaluated on someone else's clusters with this chain's front end.
struct DatasetInputs {
    var inputs: [Int8]
    var truth: [Float]
    var count: Int
    /// (tag, clusters) read.
    var tags: String

    static func load(_ folder: String, tag: String?, limit: Int?, model: QuantizedModel, adc: ADC, seed: UInt64) throws -> DatasetInputs {
        let scratch = try PrivateTemporaryFolder(prefix: "smartpix-dataset")
        defer { scratch.remove() }
        var arguments = ["--read", folder, scratch.url.path]
        if let tag { arguments += ["--tag", tag] }
        if let limit { arguments += ["--limit", String(limit)] }
        let said = try PythonHelper.run("smartpix.parquet", arguments, purpose: "--dataset \(folder)")
        func array(_ name: String) throws -> NumPyArray {
            let path = scratch.url.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--dataset \(folder): the reader wrote no \(name)") }
            do { return try NumPyArray(npy: data, name: "--dataset \(folder) (\(name))") } catch { throw ValidationError("\(error)") }
        }
        let charge = try array("charge.npy"), labels = try array("labels.npy")
        let a = model.architecture
        guard charge.shape.count == 4, charge.shape[2] == a.rows, charge.shape[3] == a.columns, labels.shape == [charge.shape[0], TruthLabel.count]
        else { throw ValidationError("--dataset \(folder): charge \(charge.shape) and labels \(labels.shape) are not (N, slices, 13, 21) and (N, 13)") }
        let n = charge.shape[0], slices = charge.shape[1]
        // Which of the dataset's slices feed the model: 20 simulated slices hold the model's
        // own (0 and 19 for two); a dataset of the model's slice count is taken as it is.
        let use: [Int]
        if slices == a.slices {
            use = Array(0..<slices)
        } else if slices == 20, let own = TimeSlices.network(channels: a.slices) {
            use = own
        } else {
            throw ValidationError("--dataset \(folder): clusters of \(slices) slices, the model takes \(a.slices) (give 20 slices, or the model's)")
        }
        guard n > 0 else { throw ValidationError("--dataset \(folder): no clusters") }
        var settings = FrontEndSettings()
        settings.adc = adc
        let frontEnd: FrontEnd
        do { frontEnd = try FrontEnd(settings: settings, rows: a.rows, columns: a.columns, slices: slices, seed: seed) } catch {
            throw ValidationError("--dataset: \(error)")
        }
        let values = try charge.float32(), pixels = a.rows * a.columns, frame = slices * pixels
        var rng = SplitMix64(seed: seed)
        // Flash codes k enter the network as input code 2k (`FlashInput`).
        let step: Int8 = model.flashInput == nil ? 1 : FlashInput.inputStep
        var inputs = [Int8](), codes = [Int16](repeating: 0, count: frame)
        inputs.reserveCapacity(n * pixels * a.slices)
        for c in 0..<n {
            var q = Array(values[(c * frame)..<((c + 1) * frame)])
            frontEnd.digitize(&q, codes: &codes, rng: &rng)
            appendNHWC(codes, pixels: pixels, slices: use, to: &inputs) { inputCode($0, step: step) }
        }
        return DatasetInputs(
            inputs: inputs, truth: try labels.float32(), count: n,
            tags: String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
