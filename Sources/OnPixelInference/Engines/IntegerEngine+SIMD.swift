/// The fast path with the filters of a position in one SIMD8 vector and the dense layers'
/// outputs in one SIMD16 vector: used when the model has at most 8 filters and no dense
/// layer wider than 16 (the seed's 5 filters and 16-16-14 fit). Same arithmetic, same
/// results as the scalar paths (tested).
///
/// The depthwise sums live in a grid padded by kernel - 1 positions above and left, so that
/// every tap of every pixel lands inside it: the scatter needs no bounds checks, and the
/// positions to evaluate are the box the non-zero pixels span, grown by the kernel.
final class SIMDWeights: @unchecked Sendable {
    // Sendable: written only in init, read-only afterwards.
    typealias V8 = SIMD8<Int32>
    typealias V16 = SIMD16<Int32>

    let pwRows: UnsafeMutablePointer<V8>  // [c] -> lanes f
    let convRows: UnsafeMutablePointer<V8>  // [g] -> lanes f
    let sepBias, convBias, quietConv: V8
    let denseRows: [UnsafeMutablePointer<V16>]  // per layer, [input] -> lanes out
    let denseBias: [V16]
    let quietDense0: V16
    let slices: Int
    /// Pixel of each input index.
    let pixelOf: UnsafeMutablePointer<Int16>
    /// Row and column of each input pixel, and the index of its channel 0 in the padded grid
    /// of depthwise sums (`paddedColumns` positions per row, `slices` sums per position).
    let rowOf, columnOf, pixelBase: UnsafeMutablePointer<Int32>
    let paddedColumns: Int
    /// Pool-block column of each conv column.
    let blockColumnOf: UnsafeMutablePointer<Int32>
    /// Row scatter: a pixel's kernel-row i adds codes x weights to `segment` = kernel x slices
    /// contiguous sums (kernel positions, all channels), in `chunks` 8-lane pieces;
    /// `rowWeights[i * chunks + ch]` holds the weights, `repeatIndex[m]` = m % slices (past the segment
    /// the weights are zero, so any code serves).
    let segment, chunks: Int
    let rowWeights: UnsafeMutablePointer<SIMD8<Int16>>
    let repeatIndex: UnsafeMutablePointer<Int32>
    /// When slices divide 8, a word of inputs holds whole pixels: the high bit of each pixel's
    /// first byte (0 otherwise).
    let pixelStartBytes: UInt64
    /// Whether each dense weight row has a non-zero weight (all-zero rows are skipped).
    let denseRowNonZero: [UnsafeMutablePointer<Bool>]
    /// The separable and 1x1 conv steps in 16-bit lanes, when this model's weights bound every
    /// sum (rounding included) within Int16: the same integers, and an 8-lane 16-bit multiply
    /// is one instruction even on the x86-64 baseline, where 32-bit lane multiplies are not.
    let narrow: Bool
    let pwRows16: UnsafeMutablePointer<SIMD8<Int16>>
    let convRows16: UnsafeMutablePointer<SIMD8<Int16>>
    let sepBias16, convBias16: SIMD8<Int16>
    /// Dense rows by input pairs, for the layers whose inputs and weights all lie within
    /// +-32767 (the seed's 8-bit codes and weights do): entry [i * 4 + q] holds the weights of
    /// inputs i and i + 1 (zero past the last input) for outputs 4q..<4q+4, interleaved, so
    /// one 16-bit multiply-add of pairs (`pairProducts`, pmaddwd on x86) adds two inputs'
    /// exact products into 32-bit sums. `densePairNonZero[i]`: either row has a non-zero weight.
    let denseByPairs: [Bool]
    let densePairs: [UnsafeMutablePointer<SIMD8<Int16>>]
    let densePairNonZero: [UnsafeMutablePointer<Bool>]

    /// Filters fit a vector, dense layers 16 lanes, and an input code times a depthwise weight
    /// 16 bits (the scatter's products; 4-bit codes and weights give at most 64).
    static func fits(_ a: ModelArchitecture) -> Bool {
        func magnitude(_ q: Quantizer) -> Int { max(abs(q.codeRange.lowerBound), abs(q.codeRange.upperBound)) }
        return a.filters <= 8 && (a.hidden + [a.outputs]).allSatisfy { $0 <= 16 }
            && magnitude(a.types.input) * magnitude(a.types.depthwise) <= Int(Int16.max)
    }

    init(_ e: IntegerEngine) {
        let a = e.model.architecture, F = a.filters
        func v8(_ values: some Collection<Int32>) -> V8 {
            var v = V8()
            for (i, x) in values.enumerated() { v[i] = x }
            return v
        }
        func v16(_ values: some Collection<Int32>) -> V16 {
            var v = V16()
            for (i, x) in values.enumerated() { v[i] = x }
            return v
        }
        slices = a.slices
        func block(_ values: [Int32]) -> UnsafeMutablePointer<Int32> {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(values.count, 1))
            p.initialize(from: values, count: values.count)
            return p
        }
        let pad = a.kernel - 1, pixels = 0..<(a.rows * a.columns)
        paddedColumns = a.columns + pad
        pixelOf = .allocate(capacity: a.inputCount)
        pixelOf.initialize(from: (0..<a.inputCount).map { Int16($0 / a.slices) }, count: a.inputCount)
        rowOf = block(pixels.map { Int32($0 / a.columns) })
        columnOf = block(pixels.map { Int32($0 % a.columns) })
        pixelBase = block(pixels.map { Int32((($0 / a.columns + pad) * (a.columns + pad) + $0 % a.columns + pad) * a.slices) })
        blockColumnOf = block((0..<a.convColumns).map { Int32($0 / a.pool) })
        let K = a.kernel, C = a.slices
        segment = K * C
        chunks = (segment + 7) / 8
        rowWeights = .allocate(capacity: K * chunks)
        for i in 0..<K {
            for ch in 0..<chunks {
                var w = SIMD8<Int16>()
                for l in 0..<8 where 8 * ch + l < K * C {
                    let m = 8 * ch + l
                    w[l] = Int16(truncatingIfNeeded: e.dw[(i * K + (K - 1 - m / C)) * C + m % C])
                }
                (rowWeights + i * chunks + ch).initialize(to: w)
            }
        }
        repeatIndex = block((0..<(chunks * 8)).map { Int32($0 % C) })
        pixelStartBytes = 8 % C == 0 ? stride(from: 0, to: 8, by: C).reduce(UInt64(0)) { $0 | UInt64(0x80) << UInt64(8 * $1) } : 0
        denseRowNonZero = e.model.dense.enumerated().map { l, d in
            let p = UnsafeMutablePointer<Bool>.allocate(capacity: d.inputs)
            for i in 0..<d.inputs { (p + i).initialize(to: e.denseK[l][(i * d.outputs)..<((i + 1) * d.outputs)].contains { $0 != 0 }) }
            return p
        }
        pwRows = .allocate(capacity: a.slices)
        for c in 0..<a.slices { (pwRows + c).initialize(to: v8(e.pw[(c * F)..<((c + 1) * F)])) }
        convRows = .allocate(capacity: F)
        for g in 0..<F { (convRows + g).initialize(to: v8(e.convK[(g * F)..<((g + 1) * F)])) }
        sepBias = v8(e.sepBias)
        convBias = v8(e.convB)
        quietConv = v8(e.quietConv)
        denseRows = e.model.dense.enumerated().map { l, d in
            let rows = UnsafeMutablePointer<V16>.allocate(capacity: d.inputs)
            for i in 0..<d.inputs { (rows + i).initialize(to: v16(e.denseK[l][(i * d.outputs)..<((i + 1) * d.outputs)])) }
            return rows
        }
        denseBias = e.denseB.map { v16($0) }
        quietDense0 = v16(e.quietDense0)

        // Bounds of every partial sum of steps 2 (depthwise sums, separable and conv
        // accumulators before and during rounding), from this model's own weights.
        let t = a.types, plan = e.plan
        let inputMax = Int64(max(abs(t.input.codeRange.lowerBound), abs(t.input.codeRange.upperBound)))
        let depthwiseMax = (0..<a.slices).map { k in
            (0..<(a.kernel * a.kernel)).reduce(Int64(0)) { $0 + Int64(abs(e.dw[$1 * a.slices + k])) } * inputMax
        }
        func rounding(_ r: IntegerPlan.Requantize) -> Int64 { r.shift > 0 ? Int64(1) << Int64(r.shift - 1) : 0 }
        var bound: Int64 = 0
        for f in 0..<F {
            var sep = Int64(abs(e.sepBias[f]))
            for k in 0..<a.slices { sep += depthwiseMax[k] * Int64(abs(e.pw[k * F + f])) }
            bound = max(bound, sep + rounding(plan.separableActivation) + 1)
            var conv = Int64(abs(e.convB[f]))
            let sepOut = Int64(max(abs(plan.separableActivation.range.lowerBound), abs(plan.separableActivation.range.upperBound)))
            for g in 0..<F { conv += sepOut * Int64(abs(e.convK[g * F + f])) }
            bound = max(bound, conv + rounding(plan.convActivation) + 1)
        }
        for k in 0..<a.slices { bound = max(bound, depthwiseMax[k]) }
        narrow = bound <= Int64(Int16.max)
        func n8(_ values: some Collection<Int32>) -> SIMD8<Int16> {
            var v = SIMD8<Int16>()
            for (i, x) in values.enumerated() { v[i] = Int16(truncatingIfNeeded: x) }
            return v
        }
        pwRows16 = .allocate(capacity: a.slices)
        for c in 0..<a.slices { (pwRows16 + c).initialize(to: n8(e.pw[(c * F)..<((c + 1) * F)])) }
        convRows16 = .allocate(capacity: F)
        for g in 0..<F { (convRows16 + g).initialize(to: n8(e.convK[(g * F)..<((g + 1) * F)])) }
        sepBias16 = n8(e.sepBias)
        convBias16 = n8(e.convB)

        // Largest input magnitude of each dense layer: the first sees pool-code changes
        // (new code - quiet code), the others activation codes.
        let pool = t.poolActivation.codeRange, act = t.denseActivation.codeRange
        let firstInput = e.quietPoolCode.map { q in max(abs(pool.upperBound - Int(q)), abs(pool.lowerBound - Int(q))) }.max() ?? 0
        denseByPairs = e.model.dense.enumerated().map { l, d in
            let input = l == 0 ? firstInput : max(abs(act.lowerBound), abs(act.upperBound))
            return max(input, Int(d.kernel.map { abs($0) }.max() ?? 0)) <= Int(Int16.max)
        }
        densePairs = e.model.dense.enumerated().map { l, d in
            let rows = UnsafeMutablePointer<SIMD8<Int16>>.allocate(capacity: d.inputs * 4)
            func weight(_ i: Int, _ o: Int) -> Int16 { i < d.inputs && o < d.outputs ? Int16(truncatingIfNeeded: e.denseK[l][i * d.outputs + o]) : 0 }
            for i in 0..<d.inputs {
                for q in 0..<4 {
                    var v = SIMD8<Int16>()
                    for j in 0..<4 {
                        v[2 * j] = weight(i, 4 * q + j)
                        v[2 * j + 1] = weight(i + 1, 4 * q + j)
                    }
                    (rows + 4 * i + q).initialize(to: v)
                }
            }
            return rows
        }
        densePairNonZero = e.model.dense.enumerated().map { l, d in
            let p = UnsafeMutablePointer<Bool>.allocate(capacity: d.inputs)
            for i in 0..<d.inputs { (p + i).initialize(to: e.denseK[l][(i * d.outputs)..<(min(i + 2, d.inputs) * d.outputs)].contains { $0 != 0 }) }
            return p
        }
    }

    deinit {
        for p in [rowOf, columnOf, pixelBase, blockColumnOf] { p.deallocate() }
        for p in denseRowNonZero { p.deallocate() }
        pixelOf.deallocate()
        rowWeights.deallocate()
        repeatIndex.deallocate()
        for r in densePairs { r.deallocate() }
        for r in densePairNonZero { r.deallocate() }
        pwRows.deallocate()
        convRows.deallocate()
        pwRows16.deallocate()
        convRows16.deallocate()
        for r in denseRows { r.deallocate() }
    }
}

extension IntegerPlan.Requantize {
    /// `apply` on every lane, branch-free: rhe(v / 2^s) = (v + 2^(s-1) - 1 + ((v >> s) & 1)) >> s.
    /// (Two concrete copies: the generic form crashes in debug builds of Swift 6.3.)
    @inline(__always)
    func apply(_ v: SIMD8<Int32>) -> SIMD8<Int32> {
        var q = v
        if shift > 0 { q = (v &+ roundingAddend &+ ((v &>> shift) & 1)) &>> shift }
        let low = SIMD8(repeating: range.lowerBound), high = SIMD8(repeating: range.upperBound)
        return q.replacing(with: low, where: q .< low).replacing(with: high, where: q .> high)
    }

    @inline(__always)
    func apply(_ v: SIMD16<Int32>) -> SIMD16<Int32> {
        var q = v
        if shift > 0 { q = (v &+ roundingAddend &+ ((v &>> shift) & 1)) &>> shift }
        // Clipped with `replacing` (inlined) rather than pointwiseMin/Max (a call per use here).
        let low = SIMD16(repeating: range.lowerBound), high = SIMD16(repeating: range.upperBound)
        return q.replacing(with: low, where: q .< low).replacing(with: high, where: q .> high)
    }

    /// 16-bit lanes (when `SIMDWeights.narrow` bounds the values), the same integers.
    @inline(__always)
    func apply(_ v: SIMD8<Int16>) -> SIMD8<Int16> {
        var q = v
        if shift > 0 {
            let s = Int16(shift)
            q = (v &+ Int16(truncatingIfNeeded: roundingAddend) &+ ((v &>> s) & 1)) &>> s
        }
        return pointwiseMin(
            pointwiseMax(q, SIMD8(repeating: Int16(truncatingIfNeeded: range.lowerBound))), SIMD8(repeating: Int16(truncatingIfNeeded: range.upperBound)))
    }

    private var roundingAddend: Int32 { (Int32(1) << (shift - 1)) - 1 }
}

/// x[2j] w[2j] + x[2j+1] w[2j+1] for j in 0..<4, in 32 bits: written so that x86 compilers
/// emit one pmaddwd (exact for operands within +-32767); plain integer arithmetic elsewhere.
@inline(__always)
func pairProducts(_ x: SIMD8<Int16>, _ w: SIMD8<Int16>) -> SIMD4<Int32> {
    let p = SIMD8<Int32>(truncatingIfNeeded: x) &* SIMD8<Int32>(truncatingIfNeeded: w)
    return p.evenHalf &+ p.oddHalf
}

/// (a, b) in every pair of lanes.
@inline(__always)
func pairBroadcast(_ a: Int32, _ b: Int32) -> SIMD8<Int16> {
    let pair = UInt32(UInt16(truncatingIfNeeded: a)) | UInt32(UInt16(truncatingIfNeeded: b)) << 16
    return unsafeBitCast(SIMD4<UInt32>(repeating: pair), to: SIMD8<Int16>.self)
}

/// v[o] += a x W[i][o] + b x W[i + 1][o] for 16 outputs, from `rows` = densePairs entry i.
@inline(__always)
func addPairProducts(_ v: inout SIMD16<Int32>, _ a: Int32, _ b: Int32, _ rows: UnsafePointer<SIMD8<Int16>>) {
    let x = pairBroadcast(a, b)
    let q0 = pairProducts(x, rows[0]), q1 = pairProducts(x, rows[1]), q2 = pairProducts(x, rows[2]), q3 = pairProducts(x, rows[3])
    v &+= SIMD16(lowHalf: SIMD8(lowHalf: q0, highHalf: q1), highHalf: SIMD8(lowHalf: q2, highHalf: q3))
}

extension IntegerEngine {
    /// The SIMD fast path; see `evaluate`.
    func evaluateSIMD(_ input: UnsafeBufferPointer<Int8>, _ v: SIMDWeights, scratch s: InferenceScratch, into output: UnsafeMutableBufferPointer<Int32>) {
        typealias V8 = SIMD8<Int32>
        typealias V16 = SIMD16<Int32>
        let a = model.architecture
        let C = a.slices, pool = a.pool, poolColumns = a.poolColumns, F = a.filters, pad = a.kernel - 1
        let usedRows = a.poolRows * pool, usedCols = poolColumns * pool, padded = v.paddedColumns
        let acc = s.padded.p, blockDelta = s.blockDeltaV
        let sepAct = plan.separableActivation, convAct = plan.convActivation

        // 1. Scatter the non-zero inputs into the depthwise sums of the positions that see them,
        //    noting the rows and columns they span. Inputs are read 8 at a time, a word's
        //    non-zero bytes found by bit arithmetic; all-zero runs of 32 are skipped.
        let x = input.baseAddress!, total = input.count
        let pixelOf = v.pixelOf, rowOf = v.rowOf, columnOf = v.columnOf, pixelBase = v.pixelBase
        var rMin = Int32.max, rMax: Int32 = -1, cMin = Int32.max, cMax: Int32 = -1
        var lastPixel = -1
        let repeated = s.repeated, chunks = v.chunks, rowWeights = v.rowWeights, repeatIndex = v.repeatIndex
        let pixelStarts = v.pixelStartBytes
        /// Adds a pixel's codes x weights to every sum that sees it, a kernel row at a time.
        @inline(__always) func scatter(pixel: Int) {
            let r = rowOf[pixel], c = columnOf[pixel]
            rMin = min(rMin, r)
            rMax = r
            cMin = min(cMin, c)
            cMax = max(cMax, c)
            let codes = x + pixel &* C
            for m in 0..<(chunks &* 8) { repeated[m] = Int16(codes[Int(repeatIndex[m])]) }
            let base = acc + (Int(pixelBase[pixel]) &- pad &* C)
            for i in 0...pad {
                let row = base - i &* padded &* C
                for ch in 0..<chunks {
                    let p = UnsafeMutableRawPointer(row + 8 &* ch)
                    let product = UnsafeRawPointer(repeated + 8 &* ch).loadUnaligned(as: SIMD8<Int16>.self) &* rowWeights[i &* chunks &+ ch]
                    p.storeBytes(of: p.loadUnaligned(as: SIMD8<Int32>.self) &+ SIMD8<Int32>(truncatingIfNeeded: product), as: SIMD8<Int32>.self)
                }
            }
        }
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var n = 0
        while n &+ 8 <= total {
            let w = UnsafeRawPointer(x + n)
            if n &+ 32 <= total,
                w.loadUnaligned(as: UInt64.self) | w.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | w.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | w.loadUnaligned(fromByteOffset: 24, as: UInt64.self) == 0
            {
                n &+= 32
                continue
            }
            let word = w.loadUnaligned(as: UInt64.self)
            // The high bit of every byte with any bit set (no carry crosses a byte).
            var nonZero = (((word & low7) &+ low7) | word) & ~low7
            if pixelStarts != 0 {
                // Whole pixels per word: fold each pixel's bytes onto its first.
                var folded = nonZero
                for k in 1..<C { folded |= nonZero &>> (8 &* k) }
                nonZero = folded & pixelStarts
                while nonZero != 0 {
                    scatter(pixel: Int(pixelOf[n &+ nonZero.trailingZeroBitCount &>> 3]))
                    nonZero &= nonZero &- 1
                }
            } else {
                while nonZero != 0 {
                    let pixel = Int(pixelOf[n &+ nonZero.trailingZeroBitCount &>> 3])
                    if pixel != lastPixel { scatter(pixel: pixel) }
                    lastPixel = pixel
                    nonZero &= nonZero &- 1
                }
            }
            n &+= 8
        }
        while n < total {
            let pixel = Int(pixelOf[n])
            if x[n] != 0 && pixel != lastPixel {
                scatter(pixel: pixel)
                lastPixel = pixel
            }
            n &+= 1
        }
        var vector = v.quietDense0
        if rMax >= 0 {
            // 2. Separable and 1x1 conv at the positions of the box those pixels reach; each
            //    pool block sums its change from the quiet value.
            let r0 = max(Int(rMin) - pad, 0), r1 = min(Int(rMax), usedRows - 1)
            let c0 = max(Int(cMin) - pad, 0), c1 = min(Int(cMax), usedCols - 1)
            if r0 <= r1 && c0 <= c1 {
                let blockColumnOf = v.blockColumnOf, narrow = v.narrow, quietConv = v.quietConv
                let pwRows16 = v.pwRows16, convRows16 = v.convRows16, sepBias16 = v.sepBias16, convBias16 = v.convBias16
                for pr in r0...r1 {
                    let blockRow = pr / pool * poolColumns
                    var d = acc + ((pr + pad) * padded + c0 + pad) * C
                    for pc in c0...c1 {
                        let conv: V8
                        if narrow {
                            var sep = sepBias16
                            for k in 0..<C { sep &+= SIMD8<Int16>(repeating: Int16(truncatingIfNeeded: d[k])) &* pwRows16[k] }
                            sep = sepAct.apply(sep)
                            var c = convBias16
                            for g in 0..<F { c &+= SIMD8<Int16>(repeating: sep[g]) &* convRows16[g] }
                            conv = V8(truncatingIfNeeded: convAct.apply(c))
                        } else {
                            var sep = v.sepBias
                            for k in 0..<C { sep &+= V8(repeating: d[k]) &* v.pwRows[k] }
                            sep = sepAct.apply(sep)
                            var c = v.convBias
                            for g in 0..<F { c &+= V8(repeating: sep[g]) &* v.convRows[g] }
                            conv = convAct.apply(c)
                        }
                        blockDelta[blockRow + Int(blockColumnOf[pc])] &+= conv &- quietConv
                        d += C
                    }
                }
                // 3. Changed pool codes update the first dense layer from its all-quiet value.
                let poolTable = fast.poolTable.p, poolMin = fast.poolMin, quietPool = fast.quietPoolCode.p
                let blockSum = Int32(pool * pool)
                let rows0 = v.denseRows[0], nonZeroRows0 = v.denseRowNonZero[0]
                let byPairs0 = v.denseByPairs[0], pairs0 = v.densePairs[0], pairNonZero0 = v.densePairNonZero[0]
                for br in (r0 / pool)...(r1 / pool) {
                    for bc in (c0 / pool)...(c1 / pool) {
                        let block = br * poolColumns + bc
                        let delta = blockDelta[block]
                        blockDelta[block] = V8()
                        @inline(__always) func change(_ f: Int) -> Int32 {
                            poolTable[Int(quietConv[f] &* blockSum &+ delta[f] &- poolMin)] &- quietPool[f]
                        }
                        var f = 0
                        while f < F {
                            let i = block &* F &+ f
                            let d0 = change(f), d1 = f &+ 1 < F ? change(f &+ 1) : 0
                            if byPairs0 {
                                if pairNonZero0[i] { addPairProducts(&vector, d0, d1, pairs0 + 4 &* i) }
                            } else {
                                if nonZeroRows0[i] { vector &+= V16(repeating: d0) &* rows0[i] }
                                if f &+ 1 < F && nonZeroRows0[i &+ 1] { vector &+= V16(repeating: d1) &* rows0[i &+ 1] }
                            }
                            f &+= 2
                        }
                    }
                }
            }
            // Clear every depthwise sum the scatter wrote: padded rows rMin...rMax + pad,
            // padded columns cMin...cMax + pad.
            let width = (Int(cMax) - Int(cMin) + 1 + pad) * C
            for pr in Int(rMin)...(Int(rMax) + pad) { (acc + (pr * padded + Int(cMin)) * C).update(repeating: 0, count: width) }
        }
        // 4. The remaining dense layers.
        let layers = fast.layerCount
        var width = fast.widths[1]
        for l in 0..<layers {
            if l > 0 {
                var next = v.denseBias[l]
                let rows = v.denseRows[l], nonZero = v.denseRowNonZero[l]
                if v.denseByPairs[l] {
                    let pairs = v.densePairs[l], pairNonZero = v.densePairNonZero[l]
                    // Lanes past `width` hold 0 and meet zero weights.
                    for i in stride(from: 0, to: width, by: 2) where pairNonZero[i] { addPairProducts(&next, vector[i], vector[i &+ 1], pairs + 4 &* i) }
                } else {
                    for i in 0..<width where nonZero[i] { next &+= V16(repeating: vector[i]) &* rows[i] }
                }
                vector = next
                width = fast.widths[l + 1]
            }
            if l < layers - 1 { vector = fast.denseActivations[l].apply(vector) }
        }
        for o in 0..<width { output[o] = vector[o] }
    }
}
