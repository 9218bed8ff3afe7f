/// The integer form of a model (quantization.md, "Integer form"): for each layer, the power
/// of two its accumulator is scaled by, the left shift that aligns its bias and the rounding
/// right shift to its activation's grid, plus the average-pool lookup table. Built once,
/// checked for exactness and for 32-bit accumulators.
struct IntegerPlan: Sendable {
    struct Requantize: Sendable {
        /// acc * 2^-shift, rounded half to even, clipped to `range`.
        let shift: Int32
        let range: ClosedRange<Int32>

        @inline(__always)
        func apply(_ acc: Int32) -> Int32 {
            let q = shift > 0 ? shiftRoundHalfEven(acc, shift) : acc
            return min(max(q, range.lowerBound), range.upperBound)
        }
    }

    struct DenseStep: Sendable {
        let accumulatorFraction: Int
        let biasShift: Int32
        /// nil for the output layer, whose accumulator is the result.
        let activation: Requantize?
    }

    let separableBiasShift: Int32
    let separableActivation: Requantize
    let convBiasShift: Int32
    let convActivation: Requantize
    /// Pool code of a block sum S at index S - poolSumMin.
    let poolTable: [Int32]
    let poolSumMin: Int32
    let dense: [DenseStep]
    /// value of an output accumulator step: 2^-fraction of the last dense layer.
    let outputScale: Double

    init(_ model: QuantizedModel) throws(ModelError) {
        let a = model.architecture, t = a.types
        func int32(_ r: ClosedRange<Int>) -> ClosedRange<Int32> { Int32(r.lowerBound)...Int32(r.upperBound) }
        func maxMagnitude(_ q: Quantizer) -> Double { Double(max(abs(q.codeRange.lowerBound), abs(q.codeRange.upperBound))) }
        func align(_ layer: String, accumulator f: Int, bias: Quantizer, activation: Quantizer?) throws(ModelError) -> (Int32, Requantize?) {
            let biasShift = f - bias.fractionBits
            guard biasShift >= 0 else { throw ModelError("\(layer): bias \(bias) is finer than the accumulator (2^-\(f)); unsupported") }
            guard let activation else { return (Int32(biasShift), nil) }
            let shift = f - activation.fractionBits
            guard shift >= 0 else { throw ModelError("\(layer): activation \(activation) is finer than the accumulator (2^-\(f)); unsupported") }
            return (Int32(biasShift), Requantize(shift: Int32(shift), range: int32(activation.codeRange)))
        }
        /// The accumulator's bound plus the rounding addend of its activation's shift (the
        /// vector path adds 2^(shift-1) before shifting) must fit 32 bits.
        func checkBound(_ layer: String, _ bound: Double, _ activation: Requantize?) throws(ModelError) {
            let addend = activation.map { $0.shift > 0 ? pow2(Int($0.shift) - 1) : 0 } ?? 0
            guard bound + addend <= Double(Int32.max) else {
                throw ModelError("\(layer): accumulator may reach \(bound), beyond 32 bits; unsupported bit widths")
            }
        }

        let fSep = t.input.fractionBits + t.depthwise.fractionBits + t.pointwise.fractionBits
        let sep = try align("separable conv", accumulator: fSep, bias: t.separableBias, activation: t.separableActivation)
        separableBiasShift = sep.0
        separableActivation = sep.1!
        try checkBound(
            "separable conv",
            maxMagnitude(t.input) * maxMagnitude(t.depthwise) * Double(a.kernel * a.kernel) * maxMagnitude(t.pointwise) * Double(a.slices)
                + maxMagnitude(t.separableBias) * pow2(Int(sep.0)), sep.1)

        let fConv = t.separableActivation.fractionBits + t.convKernel.fractionBits
        let conv = try align("1x1 conv", accumulator: fConv, bias: t.convBias, activation: t.convActivation)
        convBiasShift = conv.0
        convActivation = conv.1!
        try checkBound(
            "1x1 conv", maxMagnitude(t.separableActivation) * maxMagnitude(t.convKernel) * Double(a.filters) + maxMagnitude(t.convBias) * pow2(Int(conv.0)),
            conv.1)

        // Average pool then quantizer: code = rhe(S * 2^(fPool - fConv) / pool^2), exact in integers.
        let blocks = Int64(a.pool * a.pool)
        let low = Int64(t.convActivation.codeRange.lowerBound) * blocks, high = Int64(t.convActivation.codeRange.upperBound) * blocks
        let d = t.poolActivation.fractionBits - t.convActivation.fractionBits
        guard abs(d) < 24 else { throw ModelError("pool activation \(t.poolActivation) and conv activation scales differ by 2^\(d); unsupported") }
        let poolRange = t.poolActivation.codeRange
        poolSumMin = Int32(low)
        poolTable = (low...high).map { s in
            let num = d >= 0 ? s << d : s, den = d >= 0 ? blocks : blocks << -d
            let code = roundHalfEvenDivision(num, den)
            return Int32(min(max(code, Int64(poolRange.lowerBound)), Int64(poolRange.upperBound)))
        }

        var fIn = t.poolActivation.fractionBits
        var inMagnitude = maxMagnitude(t.poolActivation)
        var steps: [DenseStep] = []
        for (i, shape) in a.denseShapes.enumerated() {
            let last = i == a.denseShapes.count - 1
            let f = fIn + t.denseKernel.fractionBits
            let (biasShift, activation) = try align("dense \(i)", accumulator: f, bias: t.denseBias, activation: last ? nil : t.denseActivation)
            try checkBound(
                "dense \(i)", inMagnitude * maxMagnitude(t.denseKernel) * Double(shape.inputs) + maxMagnitude(t.denseBias) * pow2(Int(biasShift)), activation)
            steps.append(DenseStep(accumulatorFraction: f, biasShift: biasShift, activation: activation))
            fIn = t.denseActivation.fractionBits
            inMagnitude = maxMagnitude(t.denseActivation)
        }
        dense = steps
        outputScale = pow2(-steps.last!.accumulatorFraction)
    }

    @inline(__always)
    func poolCode(_ sum: Int32) -> Int32 { poolTable[Int(sum - poolSumMin)] }
}

/// rhe(num / den) for den > 0, exactly.
func roundHalfEvenDivision(_ num: Int64, _ den: Int64) -> Int64 {
    var q = num / den
    var r = num % den
    if r < 0 {  // floor division
        q -= 1
        r += den
    }
    if 2 * r > den || (2 * r == den && q & 1 == 1) { q += 1 }
    return q
}
