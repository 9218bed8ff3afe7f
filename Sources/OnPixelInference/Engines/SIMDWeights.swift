/// The constants of the vector fast path (`IntegerEngine+SIMD.swift`), laid out once per
/// model: the filters of a position in one SIMD8 vector, the dense layers' outputs in one
/// SIMD16 vector. Used when the model has at most 8 filters, no dense layer wider than 16
/// (the seed's 5 filters and 16-16-14 fit) and input code x depthwise weight fits 16 bits.
/// Same arithmetic, same results as the scalar paths (tested); docs/model-format.md walks
/// through the steps.
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
    /// Pixel of each input index.
    let pixelOf: UnsafeMutablePointer<Int16>
    /// Row and column of each input pixel, and the index of its channel 0 in the padded grid
    /// of depthwise sums (`paddedColumns` positions per row, `slices` sums per position).
    let rowOf, columnOf, pixelBase: UnsafeMutablePointer<Int32>
    let paddedColumns: Int
    /// Pool-block column of each conv column.
    let blockColumnOf: UnsafeMutablePointer<Int32>
    /// Row scatter: a pixel's kernel-row i adds codes x weights to kernel x slices contiguous
    /// sums (kernel positions, all channels), in `chunks` 8-lane pieces;
    /// `rowWeights[i * chunks + ch]` holds the weights, `repeatIndex[m]` = m % slices (past the segment
    /// the weights are zero, so any code serves).
    let chunks: Int
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

    /// The padded grid's layout, shared with the scratch memory that holds it: positions per
    /// row, 8-lane chunks per kernel row of the scatter, and the grid's size in sums (the last
    /// chunk may reach up to 7 sums past the last position: it adds zeros there).
    static func paddedColumns(_ a: ModelArchitecture) -> Int { a.columns + a.kernel - 1 }
    static func chunks(_ a: ModelArchitecture) -> Int { (a.kernel * a.slices + 7) / 8 }
    static func gridCount(_ a: ModelArchitecture) -> Int { (a.rows + a.kernel - 1) * paddedColumns(a) * a.slices + 8 }

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
        func block<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
            p.initialize(from: values, count: values.count)
            return p
        }
        let pad = a.kernel - 1, pixels = 0..<(a.rows * a.columns)
        let paddedColumns = Self.paddedColumns(a)
        self.paddedColumns = paddedColumns
        pixelOf = block((0..<a.inputCount).map { Int16($0 / a.slices) })
        rowOf = block(pixels.map { Int32($0 / a.columns) })
        columnOf = block(pixels.map { Int32($0 % a.columns) })
        pixelBase = block(pixels.map { Int32((($0 / a.columns + pad) * paddedColumns + $0 % a.columns + pad) * a.slices) })
        blockColumnOf = block((0..<a.convColumns).map { Int32($0 / a.pool) })
        let K = a.kernel, C = a.slices
        chunks = Self.chunks(a)
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
        /// `count` rows of `width` values each, every row made into one element by `make`.
        func rows<Element>(_ values: [Int32], count: Int, width: Int, _ make: (ArraySlice<Int32>) -> Element) -> UnsafeMutablePointer<Element> {
            let p = UnsafeMutablePointer<Element>.allocate(capacity: max(count, 1))
            for r in 0..<count { (p + r).initialize(to: make(values[(r * width)..<((r + 1) * width)])) }
            return p
        }
        denseRowNonZero = zip(e.model.dense, e.denseK).map { d, k in rows(k, count: d.inputs, width: d.outputs) { $0.contains { $0 != 0 } } }
        pwRows = rows(e.pw, count: a.slices, width: F, v8)
        convRows = rows(e.convK, count: F, width: F, v8)
        sepBias = v8(e.sepBias)
        convBias = v8(e.convB)
        quietConv = v8(e.quietConv)
        denseRows = zip(e.model.dense, e.denseK).map { d, k in rows(k, count: d.inputs, width: d.outputs, v16) }
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
        pwRows16 = rows(e.pw, count: a.slices, width: F, n8)
        convRows16 = rows(e.convK, count: F, width: F, n8)
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
        densePairNonZero = zip(e.model.dense, denseRowNonZero).map { d, single in
            block((0..<d.inputs).map { i in single[i] || (i + 1 < d.inputs && single[i + 1]) })
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
