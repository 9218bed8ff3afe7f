import ArgumentParser
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReferenceData

/// The PixelAV clusters of the shared reference data as network inputs.
enum PixelAVInputs {
    /// Every cluster encoded with constants fitted to the clusters themselves (as the seed
    /// standardizes with its dataset's statistics), in the model's slices and NHWC order:
    /// the first and last slice for a 2-slice model, all 20 for a 20-slice one.
    static func load(reference: String?, model: QuantizedModel) throws -> [Int8] {
        let a = model.architecture
        let folder = try ReferenceFolder.locate(reference, for: "--inputs pixelav")
        let path = folder + "/pixelav-grid-clusters.npz"
        guard let array = try NumPyArchive.load(path: path)["charge"], array.shape.count == 4, array.shape[1] == 20, array.shape[2] == a.rows,
            array.shape[3] == a.columns
        else {
            throw ValidationError("\(path): no charge array of shape (N, 20, \(a.rows), \(a.columns))")
        }
        let charge = try array.int32()
        guard let encoding = InputEncoding.fit(charges: charge.lazy.map(Float.init)) else { throw ValidationError("\(path): no non-zero charge") }
        // The clusters as a frames batch of charge, mapped to inputs as the inference stage maps frames.
        var batch = FrameBatch(shape: FrameShape(rows: a.rows, columns: a.columns, slices: 20), codeFormat: nil, charge: true)
        let pixels = batch.shape.pixels
        for c in 0..<array.shape[0] {
            batch.append(bunchCrossing: UInt64(c), timestamp: 0, yLocal: 0, xLocal: 0, charge: charge[(c * pixels)..<((c + 1) * pixels)].lazy.map(Float.init))
        }
        var encoded = model
        encoded.inputEncoding = encoding
        let mapper = FrameInputMapper(model: encoded)
        let plan: FrameInputMapper.Plan
        switch mapper.plan(for: batch) {
        case .success(let p): plan = p
        case .failure(let reason): throw ValidationError("--inputs pixelav: \(reason)")
        }
        var inputs = [Int8](repeating: 0, count: batch.count * a.inputCount)
        inputs.withUnsafeMutableBufferPointer { x in
            for c in 0..<batch.count {
                mapper.fill(batch, record: c, plan: plan, into: UnsafeMutableBufferPointer(rebasing: x[(c * a.inputCount)..<((c + 1) * a.inputCount)]))
            }
        }
        return inputs
    }
}
