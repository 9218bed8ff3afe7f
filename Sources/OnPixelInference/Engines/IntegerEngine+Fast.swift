/// Memory of raw Int32 values with a stable address, allocated once.
final class Int32Block: @unchecked Sendable {
    // Sendable: engine blocks are written only in init and read afterwards; scratch blocks
    // belong to one `InferenceScratch`, which is not Sendable.
    let p: UnsafeMutablePointer<Int32>
    let count: Int

    init(_ values: [Int32]) {
        count = values.count
        p = .allocate(capacity: max(count, 1))
        p.initialize(from: values, count: count)
    }

    init(zeros count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { p.deallocate() }
}

/// The engine's constants laid out for the fast path.
final class FastWeights: @unchecked Sendable {
    // Sendable: written only in init, read-only afterwards.
    let dw, pw, sepBias, convK, convB, quietConv, quietPoolCode, quietDense0: Int32Block
    let denseK, denseB: [Int32Block]
    /// Raw views of the above, so that the hot loop touches no reference counts.
    let denseKP, denseBP: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
    /// Dense layer widths: inputs of the first, then each layer's outputs.
    let widths: UnsafeMutablePointer<Int>
    let layerCount: Int
    let poolTable: Int32Block
    let poolMin: Int32
    /// Each hidden layer's requantization (its shift depends on the layer's input type too).
    let denseActivations: [IntegerPlan.Requantize]

    init(
        dw: [Int32], pw: [Int32], sepBias: [Int32], convK: [Int32], convB: [Int32], quietConv: [Int32], quietPoolCode: [Int32], quietDense0: [Int32],
        denseK: [[Int32]], denseB: [[Int32]], widths: [Int], plan: IntegerPlan
    ) {
        self.dw = Int32Block(dw)
        self.pw = Int32Block(pw)
        self.sepBias = Int32Block(sepBias)
        self.convK = Int32Block(convK)
        self.convB = Int32Block(convB)
        self.quietConv = Int32Block(quietConv)
        self.quietPoolCode = Int32Block(quietPoolCode)
        self.quietDense0 = Int32Block(quietDense0)
        self.denseK = denseK.map(Int32Block.init)
        self.denseB = denseB.map(Int32Block.init)
        denseKP = .allocate(capacity: denseK.count)
        denseKP.initialize(from: self.denseK.map(\.p), count: denseK.count)
        denseBP = .allocate(capacity: denseB.count)
        denseBP.initialize(from: self.denseB.map(\.p), count: denseB.count)
        self.widths = .allocate(capacity: widths.count)
        self.widths.initialize(from: widths, count: widths.count)
        layerCount = widths.count - 1
        poolTable = Int32Block(plan.poolTable)
        poolMin = plan.poolSumMin
        denseActivations = plan.dense.compactMap(\.activation)
    }

    deinit {
        denseKP.deallocate()
        denseBP.deallocate()
        widths.deallocate()
    }
}

/// Per-thread working memory of the fast path; make one per thread with `makeScratch()`.
public final class InferenceScratch {
    let depthwise, touchedList, blockDelta, blockList, vector, next, sep: Int32Block
    /// Depthwise sums of the SIMD path, on its padded grid (see `SIMDWeights`).
    let padded: Int32Block
    let touched, blockTouched: UnsafeMutablePointer<Bool>
    let repeated: UnsafeMutablePointer<Int16>
    let blockDeltaV: UnsafeMutablePointer<SIMD8<Int32>>

    init(_ a: ModelArchitecture) {
        let positions = a.convRows * a.convColumns, blocks = a.poolRows * a.poolColumns
        let widest = max(a.hidden.max() ?? 0, a.outputs, a.flattened)
        depthwise = Int32Block(zeros: positions * a.slices)
        touchedList = Int32Block(zeros: positions)
        blockDelta = Int32Block(zeros: blocks * a.filters)
        blockList = Int32Block(zeros: blocks)
        vector = Int32Block(zeros: widest)
        next = Int32Block(zeros: widest)
        sep = Int32Block(zeros: a.filters)
        padded = Int32Block(zeros: SIMDWeights.gridCount(a))
        let repeatedCount = SIMDWeights.chunks(a) * 8
        repeated = .allocate(capacity: repeatedCount)
        repeated.initialize(repeating: 0, count: repeatedCount)
        touched = .allocate(capacity: positions)
        touched.initialize(repeating: false, count: positions)
        blockTouched = .allocate(capacity: blocks)
        blockTouched.initialize(repeating: false, count: blocks)
        blockDeltaV = .allocate(capacity: blocks)
        blockDeltaV.initialize(repeating: SIMD8(), count: blocks)
    }

    deinit {
        touched.deallocate()
        repeated.deallocate()
        blockTouched.deallocate()
        blockDeltaV.deallocate()
    }
}

@available(*, unavailable, message: "scratch memory belongs to one thread")
extension InferenceScratch: Sendable {}

extension InferenceScratch {
    /// The pool block holding conv position `pos`, added to the block list the first time.
    @inline(__always)
    func touchBlock(ofPosition pos: Int, convColumns: Int, pool: Int, poolColumns: Int, count: inout Int) -> Int {
        let block = (pos / convColumns) / pool * poolColumns + (pos % convColumns) / pool
        if !blockTouched[block] {
            blockTouched[block] = true
            blockList.p[count] = Int32(block)
            count += 1
        }
        return block
    }
}

extension IntegerEngine {
    public func makeScratch() -> InferenceScratch { InferenceScratch(model.architecture) }

    /// Evaluates one input (NHWC codes, `inputCount` of them) and writes the output layer's
    /// accumulators (value = accumulator * `outputScale`) to `output` (14 values).
    /// Work grows with the non-zero inputs: a position whose receptive field is all zero
    /// holds the same codes in every event, so they are computed once, at init. The result
    /// equals `trace` bit for bit (tested).
    public func evaluate(_ input: UnsafeBufferPointer<Int8>, scratch s: InferenceScratch, into output: UnsafeMutableBufferPointer<Int32>) {
        let a = model.architecture
        precondition(
            input.count == a.inputCount && output.count == a.outputs,
            "input \(input.count) (needs \(a.inputCount)), output \(output.count) (needs \(a.outputs))")
        if let v = simd, !forceScalar { return evaluateSIMD(input, v, scratch: s, into: output) }
        let C = a.slices, F = a.filters, K = a.kernel, cols = a.columns, pool = a.pool, poolColumns = a.poolColumns
        let usedRows = a.poolRows * pool, usedCols = poolColumns * pool, convCols = a.convColumns
        let w = fast
        let dw = w.dw.p, pw = w.pw.p, sepBias = w.sepBias.p, convK = w.convK.p, convB = w.convB.p, quietConv = w.quietConv.p
        let acc = s.depthwise.p, touched = s.touched, touchedList = s.touchedList.p
        let blockDelta = s.blockDelta.p, blockTouched = s.blockTouched, blockList = s.blockList.p, sep = s.sep.p
        let sepAct = plan.separableActivation, convAct = plan.convActivation

        // 1. Scatter each non-zero input into the depthwise sums of the positions that see it.
        var touchedCount = 0
        let x = input.baseAddress!
        let total = input.count
        var n = 0
        while n < total {
            // Most inputs are zero: skip them eight at a time.
            if n & 7 == 0, n + 8 <= total, UnsafeRawPointer(x + n).loadUnaligned(as: UInt64.self) == 0 {
                n += 8
                continue
            }
            let code = Int32(x[n])
            if code != 0 {
                let k = n % C, pixel = n / C, r = pixel / cols, c = pixel % cols
                for i in 0..<K {
                    let pr = r - i
                    if pr < 0 || pr >= usedRows { continue }
                    for j in 0..<K {
                        let pc = c - j
                        if pc < 0 || pc >= usedCols { continue }
                        let pos = pr * convCols + pc
                        if !touched[pos] {
                            touched[pos] = true
                            touchedList[touchedCount] = Int32(pos)
                            touchedCount += 1
                        }
                        acc[pos * C + k] &+= code &* dw[(i * K + j) * C + k]
                    }
                }
            }
            n += 1
        }
        // 2. Separable and 1x1 conv at the touched positions; each pool block sums its change.
        var blockCount = 0
        for t in 0..<touchedCount {
            let pos = Int(touchedList[t])
            let d = acc + pos * C
            for f in 0..<F {
                var v = sepBias[f]
                for k in 0..<C { v &+= pw[k * F + f] &* d[k] }
                sep[f] = sepAct.apply(v)
            }
            for k in 0..<C { d[k] = 0 }
            touched[pos] = false
            let block = s.touchBlock(ofPosition: pos, convColumns: convCols, pool: pool, poolColumns: poolColumns, count: &blockCount)
            for f in 0..<F {
                var v = convB[f]
                for g in 0..<F { v &+= sep[g] &* convK[g * F + f] }
                blockDelta[block * F + f] &+= convAct.apply(v) &- quietConv[f]
            }
        }
        // 3. The changed pool codes update the first dense layer from its all-quiet value.
        let widths = w.widths, layers = w.layerCount
        let out0 = widths[1]
        let vector = s.vector.p, next = s.next.p, w0 = w.denseKP[0], quietPool = w.quietPoolCode.p
        let poolTable = w.poolTable.p, poolMin = w.poolMin
        for o in 0..<out0 { vector[o] = w.quietDense0.p[o] }
        let blockSum = Int32(pool * pool)
        for b in 0..<blockCount {
            let block = Int(blockList[b])
            for f in 0..<F {
                let i = block * F + f
                let diff = poolTable[Int(quietConv[f] &* blockSum &+ blockDelta[i] &- poolMin)] &- quietPool[f]
                blockDelta[i] = 0
                if diff == 0 { continue }
                let row = w0 + i * out0
                for o in 0..<out0 { vector[o] &+= diff &* row[o] }
            }
            blockTouched[block] = false
        }
        // 4. The remaining dense layers, densely (they are small).
        var width = out0
        for l in 0..<layers {
            if l > 0 {
                let outs = widths[l + 1], k = w.denseKP[l], bias = w.denseBP[l]
                for o in 0..<outs { next[o] = bias[o] }
                for i in 0..<width {
                    let v = vector[i]
                    if v == 0 { continue }
                    let row = k + i * outs
                    for o in 0..<outs { next[o] &+= v &* row[o] }
                }
                for o in 0..<outs { vector[o] = next[o] }
                width = outs
            }
            if l < layers - 1 {
                let activation = w.denseActivations[l]
                for o in 0..<width { vector[o] = activation.apply(vector[o]) }
            }
        }
        for o in 0..<width { output[o] = vector[o] }
    }
}
