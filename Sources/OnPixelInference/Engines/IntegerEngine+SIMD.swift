// The vector fast path (constants in SIMDWeights.swift) and its lane-wise integer steps:
// rounding requantization and pair products. The steps stay in this file: moved to a file
// of their own they were not inlined into the hot loop (13 % slower, measured).

extension IntegerPlan.Requantize {
    /// `apply` on every lane, branch-free: rhe(v / 2^s) = (v + 2^(s-1) - 1 + ((v >> s) & 1)) >> s.
    /// (Concrete copies per vector type: the generic form crashes in debug builds of Swift 6.3.)
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
