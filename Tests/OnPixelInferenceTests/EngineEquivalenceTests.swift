import Randomness
import Testing

@testable import OnPixelInference

/// The integer engine must equal the QKeras-semantics float reference on every input, layer
/// by layer, and its fast paths must equal its dense trace: 100,000 inputs compared layer by
/// layer and 45,000 through the fast paths, zero mismatches allowed.
@Suite struct EngineEquivalenceTests {
    /// Compares every layer; returns the number of values that differ.
    func mismatches(_ codes: LayerCodes, _ values: LayerValues, _ m: QuantizedModel, _ engine: IntegerEngine) -> Int {
        let t = m.architecture.types
        func count(_ c: [Int32], _ v: [Double], _ scale: Double) -> Int { zip(c, v).filter { Double($0) * scale != $1 }.count }
        var n = count(codes.separable, values.separable, t.separableActivation.scale)
        n += count(codes.conv, values.conv, t.convActivation.scale)
        n += count(codes.pooled, values.pooled, t.poolActivation.scale)
        for (h, v) in zip(codes.hidden, values.hidden) { n += count(h, v, t.denseActivation.scale) }
        n += count(codes.outputAccumulators, values.outputs, engine.outputScale)
        return n
    }

    @Test(arguments: [2, 20])
    func integerEqualsFloatReferenceLayerByLayer(slices: Int) throws {
        var rng = SplitMix64(seed: UInt64(slices))
        var compared = 0, differing = 0
        // 80,000 inputs for 2 slices and 20,000 for 20: 100,000 compared layer by layer.
        let models = slices == 2 ? 10 : 4
        let perModel = slices == 2 ? 8_000 : 5_000
        for _ in 0..<models {
            let model = QuantizedModel.random(.smartPixels(slices: slices), using: &rng)
            let engine = try IntegerEngine(model)
            let reference = try FloatReferenceEngine(model)
            for i in 0..<perModel {
                let kind: InputKind = i % 10 == 0 ? .dense : (i % 97 == 0 ? .empty : .cluster)
                let input = randomInput(model.architecture, kind, &rng)
                let codes = engine.trace(input.map(Int32.init))
                let values = reference.trace(input.map { Double($0) * model.architecture.types.input.scale })
                differing += mismatches(codes, values, model, engine) > 0 ? 1 : 0
                compared += 1
            }
        }
        #expect(compared == models * perModel)
        #expect(differing == 0, "\(differing) of \(compared) inputs differ in some layer")
    }

    /// Both fast paths: the vector one (the seed's widths fit it) and the scalar one (used
    /// for wider models), forced here on the same models.
    @Test(arguments: [(2, false), (20, false), (2, true), (20, true)])
    func fastPathEqualsDenseTrace(slices: Int, scalar: Bool) throws {
        var rng = SplitMix64(seed: 100 + UInt64(slices))
        var differing = 0, compared = 0
        for _ in 0..<5 {
            let model = QuantizedModel.random(.smartPixels(slices: slices), using: &rng)
            var engine = try IntegerEngine(model)
            #expect(engine.simd != nil)
            engine.forceScalar = scalar
            let scratch = engine.makeScratch()
            var out = [Int32](repeating: 0, count: 14)
            for i in 0..<(slices == 2 ? 3_000 : 1_500) {
                let input = randomInput(model.architecture, InputKind.allCases[i % InputKind.allCases.count], &rng)
                input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: scratch, into: $0) } }
                if out != engine.trace(input.map(Int32.init)).outputAccumulators { differing += 1 }
                compared += 1
            }
        }
        #expect(differing == 0, "\(differing) of \(compared) fast-path outputs differ")
    }

    /// Other slice counts: the scatter reads whole pixels per 8-byte word when the slice count
    /// divides 8 (1, 4, 8) and pixels straddling words otherwise (3, 5), with 1 to 3 vector
    /// chunks per kernel row; every one equals the dense trace.
    @Test(arguments: [1, 3, 4, 5, 8])
    func otherSliceCountsEqualDenseTrace(slices: Int) throws {
        var rng = SplitMix64(seed: 200 + UInt64(slices))
        let model = QuantizedModel.random(.smartPixels(slices: slices), using: &rng)
        let engine = try IntegerEngine(model)
        #expect(engine.simd != nil)
        let differing = fastPathMismatches(engine, count: 800, &rng)
        #expect(differing == 0, "\(differing) of 800 outputs differ")
    }

    /// The SIMD path runs its convolution steps in 16-bit lanes when the model's weights bound
    /// every sum within Int16, in 32-bit lanes otherwise: both equal the dense trace. Random
    /// 2-slice models are narrow; a 20-slice model with every weight at its largest magnitude
    /// is wide.
    @Test(arguments: [false, true])
    func narrowAndWideLanesEqualDenseTrace(wide: Bool) throws {
        var rng = SplitMix64(seed: wide ? 31 : 32)
        var model = QuantizedModel.random(.smartPixels(slices: wide ? 20 : 2), using: &rng)
        if wide {
            model.depthwise = model.depthwise.map { _ in -7 }
            model.pointwise = model.pointwise.map { _ in 7 }
        }
        let engine = try IntegerEngine(model)
        let simd = try #require(engine.simd)
        #expect(simd.narrow == !wide)
        let differing = fastPathMismatches(engine, count: 2_000, &rng)
        #expect(differing == 0, "\(differing) of 2000 outputs differ")
    }

    /// Dense layers run by input pairs (16-bit pair products summed in 32 bits) when every
    /// input and weight lies within +-32767, one input at a time in 32-bit lanes otherwise: a
    /// 16-bit pool activation lets the first layer's inputs (pool-code changes) reach 65,535.
    /// Its hidden layers also requantize by different shifts (15, then 7): both fast paths
    /// must use each layer's own.
    @Test func denseLayersByPairsOrSingly() throws {
        var rng = SplitMix64(seed: 33)
        var a = ModelArchitecture.smartPixels(slices: 2)
        a.types.poolActivation = .bits(QuantizedBits(bits: 16))
        let model = QuantizedModel.random(a, using: &rng)
        var engine = try IntegerEngine(model)
        let simd = try #require(engine.simd)
        #expect(simd.denseByPairs == [false, true, true])
        #expect(engine.plan.dense.compactMap(\.activation?.shift) == [15, 7])
        #expect(try #require(IntegerEngine(QuantizedModel.random(.smartPixels(slices: 2), using: &rng)).simd).denseByPairs == [true, true, true])
        for scalar in [false, true] {
            engine.forceScalar = scalar
            let differing = fastPathMismatches(engine, count: 1_000, &rng)
            #expect(differing == 0, "\(differing) of 1000 outputs differ (scalar path: \(scalar))")
        }
    }

    /// Ties are where half-up and half-to-even rounding part; random models meet them often.
    @Test func tiesAreFrequentAndRoundToEven() throws {
        var rng = SplitMix64(seed: 7)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        let engine = try IntegerEngine(model)
        let shift = engine.plan.separableActivation.shift
        var ties = 0
        for _ in 0..<200 {
            let input = randomInput(model.architecture, .dense, &rng).map(Int32.init)
            // Recompute the separable accumulators and count exact halves.
            let a = model.architecture
            for r in 0..<a.convRows {
                for c in 0..<a.convColumns {
                    for f in 0..<a.filters {
                        var acc = engine.sepBias[f]
                        for k in 0..<a.slices {
                            var d: Int32 = 0
                            for i in 0..<3 {
                                for j in 0..<3 { d += input[((r + i) * a.columns + c + j) * a.slices + k] * model.depthwise[(i * 3 + j) * a.slices + k] }
                            }
                            acc += d * model.pointwise[k * a.filters + f]
                        }
                        if acc & ((1 << shift) - 1) == 1 << (shift - 1) { ties += 1 }
                    }
                }
            }
        }
        #expect(ties > 1000, "only \(ties) ties met")
        // A single tie by hand: acc = 96 = 1.5 * 2^6 rounds to 2, acc = 32 = 0.5 * 2^6 to 0.
        #expect(engine.plan.separableActivation.apply(96) == 2 && engine.plan.separableActivation.apply(32) == 0)
        #expect(engine.plan.separableActivation.apply(-96) == -2 && engine.plan.separableActivation.apply(-32) == 0)
    }

    @Test func poolTableMatchesTheClosedForm() throws {
        var rng = SplitMix64(seed: 8)
        let engine = try IntegerEngine(QuantizedModel.random(.smartPixels(slices: 2), using: &rng))
        // quantization.md: code = floor((32 S + 9) / 18) for the seed's types.
        for s in Int32(-63)...63 {
            let floorDiv = Int32((Double(32 * s + 9) / 18).rounded(.down))
            #expect(engine.plan.poolCode(s) == min(max(floorDiv, -128), 127))
        }
    }

    /// MDMM-like sparsity: most weights zero, whole dense rows zero. The fast path skips
    /// them (all-zero dense rows) and still equals the dense trace.
    @Test func sparseModelsSkipZeroWeightsExactly() throws {
        var rng = SplitMix64(seed: 13)
        for slices in [2, 20] {
            var model = QuantizedModel.random(.smartPixels(slices: slices), using: &rng)
            func sparsify(_ w: inout [Int32]) { for i in w.indices where Int.random(in: 0..<10, using: &rng) < 7 { w[i] = 0 } }
            sparsify(&model.depthwise)
            sparsify(&model.pointwise)
            for l in model.dense.indices {
                sparsify(&model.dense[l].kernel)
                let outs = model.dense[l].outputs
                for row in 0..<model.dense[l].inputs where row % 4 < 2 {  // pairs of zero rows and single ones
                    for o in 0..<outs { model.dense[l].kernel[row * outs + o] = 0 }
                }
            }
            let engine = try IntegerEngine(model)
            let scratch = engine.makeScratch()
            var out = [Int32](repeating: 0, count: 14)
            for i in 0..<600 {
                let input = randomInput(model.architecture, InputKind.allCases[i % InputKind.allCases.count], &rng)
                input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: scratch, into: $0) } }
                #expect(out == engine.trace(input.map(Int32.init)).outputAccumulators)
            }
        }
    }

    /// More than 8 filters: the scalar fast path serves, and still equals the trace.
    @Test func wideModelsUseTheScalarPath() throws {
        var rng = SplitMix64(seed: 12)
        let model = QuantizedModel.random(.smartPixels(slices: 20, filters: 10), using: &rng)
        let engine = try IntegerEngine(model)
        #expect(engine.simd == nil)
        let scratch = engine.makeScratch()
        var out = [Int32](repeating: 0, count: 14)
        for i in 0..<300 {
            let input = randomInput(model.architecture, InputKind.allCases[i % InputKind.allCases.count], &rng)
            input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: scratch, into: $0) } }
            #expect(out == engine.trace(input.map(Int32.init)).outputAccumulators)
        }
    }

    @Test func architectureFiguresMatchTheSeed() {
        #expect(ModelArchitecture.smartPixels(slices: 2).parameterCount == 2029)
        #expect(ModelArchitecture.smartPixels(slices: 20).parameterCount == 2281)
        #expect(ModelArchitecture.smartPixels(slices: 20, filters: 8).parameterCount == 3250)
        #expect(ModelArchitecture.smartPixels(slices: 2).multiplyAccumulates == 12_997)
        #expect(ModelArchitecture.smartPixels(slices: 20).multiplyAccumulates == 65_665)
    }
}

/// How many of `count` random inputs (every kind in turn) the engine's fast path evaluates
/// differently from its dense trace.
func fastPathMismatches(_ engine: IntegerEngine, count: Int, _ rng: inout SplitMix64) -> Int {
    let scratch = engine.makeScratch()
    var out = [Int32](repeating: 0, count: engine.model.architecture.outputs)
    var differing = 0
    for i in 0..<count {
        let input = randomInput(engine.model.architecture, InputKind.allCases[i % InputKind.allCases.count], &rng)
        input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: scratch, into: $0) } }
        if out != engine.trace(input.map(Int32.init)).outputAccumulators { differing += 1 }
    }
    return differing
}
