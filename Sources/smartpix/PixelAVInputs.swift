import ArgumentParser
import Foundation
import OnPixelInference
import ReferenceData

/// The PixelAV clusters of the shared reference data as network inputs.
enum PixelAVInputs {
    /// Every cluster encoded with constants fitted to the clusters themselves (as the seed
    /// standardizes with its dataset's statistics), in the model's slices and NHWC order.
    static func load(reference: String?, architecture a: ModelArchitecture) throws -> [Int8] {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard
            let folder = reference ?? SharedReference.directory(packageRoot: packageRoot)
                ?? SharedReference.directory(packageRoot: FileManager.default.currentDirectoryPath)
        else {
            throw ValidationError("--inputs pixelav needs the shared reference data: give --reference FOLDER")
        }
        let path = folder + "/pixelav-grid-clusters.npz"
        guard let array = try NumPyArchive.load(path: path)["charge"], array.shape.count == 4, array.shape[1] == 20, array.shape[2] == a.rows,
            array.shape[3] == a.columns
        else {
            throw ValidationError("\(path): no charge array of shape (N, 20, \(a.rows), \(a.columns))")
        }
        let charge = try array.int32()
        guard let encoding = InputEncoding.fit(charges: charge.lazy.map(Float.init)) else { throw ValidationError("\(path): no non-zero charge") }
        let slices = a.slices == 20 ? Array(0..<20) : [0, 19]
        guard a.slices == slices.count else { throw ValidationError("--inputs pixelav: a \(a.slices)-slice model cannot take 20-slice clusters") }
        let perSlice = a.rows * a.columns
        var inputs = [Int8](repeating: 0, count: array.shape[0] * a.inputCount)
        for c in 0..<array.shape[0] {
            for (channel, k) in slices.enumerated() {
                for p in 0..<perSlice {
                    let v = charge[(c * 20 + k) * perSlice + p]
                    if v != 0 { inputs[c * a.inputCount + p * a.slices + channel] = Int8(encoding.code(charge: Double(v), quantizer: a.types.input)) }
                }
            }
        }
        return inputs
    }
}
