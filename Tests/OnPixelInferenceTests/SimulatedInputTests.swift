import Foundation
import Randomness
import ReadoutProtocol
import ReferenceData
import Testing

@testable import OnPixelInference

/// Clusters simulated by PixelAV (../shared/reference), encoded as the seed does, through
/// both engines: simulated inputs beside the random ones of EngineEquivalenceTests.
@Suite struct SimulatedInputTests {
    static let reference = SharedReference.directory(
        packageRoot: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path)

    @Test(.enabled(if: reference != nil, "needs ../shared/reference"), arguments: [2, 20])
    func pixelAVClustersAgreeLayerByLayer(slices: Int) throws {
        let charge = try #require(try NumPyArchive.load(path: Self.reference! + "/pixelav-grid-clusters.npz")["charge"]).int32()
        let clusters = charge.count / (20 * 273)
        let encoding = try #require(InputEncoding.fit(charges: charge.lazy.map(Float.init)))
        var rng = SplitMix64(seed: 40 + UInt64(slices))
        var compared = 0, differing = 0, nonZeroInputs = 0
        for _ in 0..<(slices == 2 ? 8 : 2) {
            var model = QuantizedModel.random(.smartPixels(slices: slices), using: &rng)
            model.inputEncoding = encoding
            let engine = try IntegerEngine(model), reference = try FloatReferenceEngine(model)
            let q = model.architecture.types.input
            let chosen = slices == 2 ? [0, 19] : Array(0..<20)
            for c in 0..<clusters {
                // npz layout (cluster, slice, row, column) -> NHWC (row, column, channel).
                var input = [Int32](repeating: 0, count: 273 * slices)
                for (channel, k) in chosen.enumerated() {
                    for p in 0..<273 {
                        let v = charge[(c * 20 + k) * 273 + p]
                        input[p * slices + channel] = v == 0 ? 0 : Int32(encoding.code(charge: Double(v), quantizer: q))
                    }
                }
                nonZeroInputs += input.filter { $0 != 0 }.count
                let codes = engine.trace(input)
                let values = reference.trace(input.map { Double($0) * q.scale })
                let t = model.architecture.types
                var same = zip(codes.separable, values.separable).allSatisfy { Double($0) * t.separableActivation.scale == $1 }
                same = same && zip(codes.conv, values.conv).allSatisfy { Double($0) * t.convActivation.scale == $1 }
                same = same && zip(codes.pooled, values.pooled).allSatisfy { Double($0) * t.poolActivation.scale == $1 }
                same = same && zip(codes.hidden.joined(), values.hidden.joined()).allSatisfy { Double($0) * t.denseActivation.scale == $1 }
                same = same && zip(codes.outputAccumulators, values.outputs).allSatisfy { Double($0) * engine.outputScale == $1 }
                var fast = [Int32](repeating: 0, count: 14)
                let int8 = input.map { Int8($0) }
                int8.withUnsafeBufferPointer { x in fast.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: engine.makeScratch(), into: $0) } }
                if !same || fast != codes.outputAccumulators { differing += 1 }
                compared += 1
            }
        }
        #expect(compared >= 900)
        #expect(nonZeroInputs > compared * 5, "clusters should light up pixels")
        #expect(differing == 0, "\(differing) of \(compared) simulated clusters differ")
    }
}
