import Randomness
import Testing

@testable import OnPixelInference

@Suite struct BatchTests {
    /// Splitting a batch over threads changes nothing in the outputs; latencies are filled.
    @Test(arguments: [1, 2, 3])
    func batchEqualsSingleEvents(threads: Int) throws {
        var rng = SplitMix64(seed: 21)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        let engine = try IntegerEngine(model)
        let n = 150, width = model.architecture.inputCount
        var inputs: [Int8] = []
        for i in 0..<n { inputs += randomInput(model.architecture, InputKind.allCases[i % InputKind.allCases.count], &rng) }
        var batch = [Int32](repeating: 0, count: n * 14)
        var latencies = [UInt64](repeating: 0, count: n)
        inputs.withUnsafeBufferPointer { x in
            batch.withUnsafeMutableBufferPointer { o in
                latencies.withUnsafeMutableBufferPointer { l in engine.evaluateBatch(x, count: n, into: o, threads: threads, latencies: l) }
            }
        }
        for e in 0..<n {
            #expect(Array(batch[(e * 14)..<((e + 1) * 14)]) == engine.trace(inputs[(e * width)..<((e + 1) * width)].map(Int32.init)).outputAccumulators)
        }
        #expect(latencies.allSatisfy { $0 > 0 })
    }
}
