/// The network in integer arithmetic only: multiply, add, shift and table lookup, as the
/// chip computes it. `trace` evaluates every position densely and returns every layer's
/// codes (for layer-by-layer checks); `evaluate` is the fast path: it skips the work whose
/// result is fixed when the inputs around it are zero (most of a cluster's 13 x 21 pixels)
/// and gives the same outputs bit for bit.
public struct IntegerEngine: Sendable {
    public let model: QuantizedModel
    let plan: IntegerPlan
    let dw, pw, sepBias, convK, convB: [Int32]
    let denseK, denseB: [[Int32]]
    /// What every layer holds where a position's receptive field is all zero.
    let quietConv: [Int32]
    let quietPoolCode: [Int32]
    /// First dense accumulator when every pooled cell is quiet.
    let quietDense0: [Int32]
    /// The same constants at stable addresses, for the fast path.
    let fast: FastWeights
    /// The constants as vectors, when the model's widths fit them.
    private(set) var simd: SIMDWeights?
    /// Use the scalar fast path even when the vector one fits (for tests).
    var forceScalar = false

    public init(_ model: QuantizedModel) throws(ModelError) {
        try model.validate()
        let plan = try IntegerPlan(model)
        let a = model.architecture, F = a.filters
        let sepBias = model.separableBias.map { $0 << plan.separableBiasShift }
        let convB = model.convBias.map { $0 << plan.convBiasShift }
        let denseB = zip(model.dense, plan.dense).map { d, step in d.bias.map { $0 << step.biasShift } }
        let quietSep = (0..<F).map { plan.separableActivation.apply(sepBias[$0]) }
        let quietConv = (0..<F).map { f in
            plan.convActivation.apply((0..<F).reduce(convB[f]) { $0 + quietSep[$1] * model.convKernel[$1 * F + f] })
        }
        let quietPoolCode = quietConv.map { plan.poolCode($0 * Int32(a.pool * a.pool)) }
        let d0 = model.dense[0]
        var acc = denseB[0]
        for i in 0..<d0.inputs {
            let x = quietPoolCode[i % F]
            for o in 0..<d0.outputs { acc[o] += x * d0.kernel[i * d0.outputs + o] }
        }
        self.model = model
        self.plan = plan
        dw = model.depthwise
        pw = model.pointwise
        self.sepBias = sepBias
        convK = model.convKernel
        self.convB = convB
        denseK = model.dense.map(\.kernel)
        self.denseB = denseB
        self.quietConv = quietConv
        self.quietPoolCode = quietPoolCode
        quietDense0 = acc
        fast = FastWeights(
            dw: model.depthwise, pw: model.pointwise, sepBias: sepBias, convK: model.convKernel, convB: convB, quietConv: quietConv,
            quietPoolCode: quietPoolCode, quietDense0: acc, denseK: model.dense.map(\.kernel), denseB: denseB,
            widths: [a.flattened] + model.dense.map(\.outputs), plan: plan)
        simd = nil
        if SIMDWeights.fits(a) { simd = SIMDWeights(self) }
    }

    /// Value of one step of the output accumulators.
    public var outputScale: Double { plan.outputScale }

    /// Every layer's codes for one input (NHWC codes on the input grid), computed densely.
    public func trace(_ input: [Int32]) -> LayerCodes {
        let a = model.architecture
        precondition(input.count == a.inputCount, "input has \(input.count) codes, the model takes \(a.inputCount)")
        let C = a.slices, F = a.filters, K = a.kernel
        var sep = [Int32](repeating: 0, count: a.convRows * a.convColumns * F)
        var conv = sep
        var depthwise = [Int32](repeating: 0, count: C)
        for r in 0..<a.convRows {
            for c in 0..<a.convColumns {
                for k in 0..<C { depthwise[k] = 0 }
                for i in 0..<K {
                    for j in 0..<K {
                        for k in 0..<C { depthwise[k] += input[((r + i) * a.columns + (c + j)) * C + k] * dw[(i * K + j) * C + k] }
                    }
                }
                let p = (r * a.convColumns + c) * F
                for f in 0..<F {
                    var s = sepBias[f]
                    for k in 0..<C { s += depthwise[k] * pw[k * F + f] }
                    sep[p + f] = plan.separableActivation.apply(s)
                }
                for f in 0..<F {
                    var s = convB[f]
                    for g in 0..<F { s += sep[p + g] * convK[g * F + f] }
                    conv[p + f] = plan.convActivation.apply(s)
                }
            }
        }
        var pooled = [Int32](repeating: 0, count: a.flattened)
        for pr in 0..<a.poolRows {
            for pc in 0..<a.poolColumns {
                for f in 0..<F {
                    var s: Int32 = 0
                    for i in 0..<a.pool {
                        for j in 0..<a.pool { s += conv[((pr * a.pool + i) * a.convColumns + (pc * a.pool + j)) * F + f] }
                    }
                    pooled[(pr * a.poolColumns + pc) * F + f] = plan.poolCode(s)
                }
            }
        }
        var x = pooled
        var hidden: [[Int32]] = []
        for (l, d) in model.dense.enumerated() {
            var y = denseB[l]
            for i in 0..<d.inputs {
                for o in 0..<d.outputs { y[o] += x[i] * denseK[l][i * d.outputs + o] }
            }
            if let activation = plan.dense[l].activation {
                y = y.map(activation.apply)
                hidden.append(y)
            }
            x = y
        }
        return LayerCodes(separable: sep, conv: conv, pooled: pooled, hidden: hidden, outputAccumulators: x)
    }
}

/// Every layer's output codes of one evaluation, and the output layer's accumulators.
public struct LayerCodes: Sendable, Equatable {
    public var separable: [Int32]
    public var conv: [Int32]
    public var pooled: [Int32]
    public var hidden: [[Int32]]
    public var outputAccumulators: [Int32]
}
