/// The network as QKeras evaluates it: real-valued arithmetic with every quantizer applied
/// where QKeras applies it (weights quantized on use, separable conv without quantization
/// between its depthwise and pointwise steps, average pool then quantized_bits). All sums
/// here are exact in Double (and, per quantization.md, in float32), so this is the
/// reference the integer engine must equal bit for bit.
public struct FloatReferenceEngine: Sendable {
    public let model: QuantizedModel
    private let dw, pw, sepBias, convK, convB: [Double]
    private let denseK, denseB: [[Double]]

    public init(_ model: QuantizedModel) throws(ModelError) {
        try model.validate()
        self.model = model
        let t = model.architecture.types
        func values(_ codes: [Int32], _ q: Quantizer) -> [Double] { codes.map { Double($0) * q.scale } }
        dw = values(model.depthwise, t.depthwise)
        pw = values(model.pointwise, t.pointwise)
        sepBias = values(model.separableBias, t.separableBias)
        convK = values(model.convKernel, t.convKernel)
        convB = values(model.convBias, t.convBias)
        denseK = model.dense.map { values($0.kernel, t.denseKernel) }
        denseB = model.dense.map { values($0.bias, t.denseBias) }
    }

    /// Every layer's output values for one input, given in NHWC order (rows, columns, slices)
    /// as values already on the input grid.
    public func trace(_ input: [Double]) -> LayerValues {
        let a = model.architecture, t = a.types
        precondition(input.count == a.inputCount, "input has \(input.count) values, the model takes \(a.inputCount)")
        let C = a.slices, F = a.filters, K = a.kernel
        var sep = [Double](repeating: 0, count: a.convRows * a.convColumns * F)
        var conv = sep
        for r in 0..<a.convRows {
            for c in 0..<a.convColumns {
                var depthwise = [Double](repeating: 0, count: C)
                for i in 0..<K {
                    for j in 0..<K {
                        for k in 0..<C { depthwise[k] += input[((r + i) * a.columns + (c + j)) * C + k] * dw[(i * K + j) * C + k] }
                    }
                }
                let p = (r * a.convColumns + c) * F
                for f in 0..<F {
                    var s = sepBias[f]
                    for k in 0..<C { s += depthwise[k] * pw[k * F + f] }
                    sep[p + f] = t.separableActivation(s)
                }
                for f in 0..<F {
                    var s = convB[f]
                    for g in 0..<F { s += sep[p + g] * convK[g * F + f] }
                    conv[p + f] = t.convActivation(s)
                }
            }
        }
        var pooled = [Double](repeating: 0, count: a.flattened)
        for pr in 0..<a.poolRows {
            for pc in 0..<a.poolColumns {
                for f in 0..<F {
                    var s = 0.0
                    for i in 0..<a.pool {
                        for j in 0..<a.pool { s += conv[((pr * a.pool + i) * a.convColumns + (pc * a.pool + j)) * F + f] }
                    }
                    pooled[(pr * a.poolColumns + pc) * F + f] = t.poolActivation(s / Double(a.pool * a.pool))
                }
            }
        }
        var x = pooled
        var hidden: [[Double]] = []
        for (l, d) in model.dense.enumerated() {
            var y = denseB[l]
            for i in 0..<d.inputs where x[i] != 0 {
                for o in 0..<d.outputs { y[o] += x[i] * denseK[l][i * d.outputs + o] }
            }
            if l < model.dense.count - 1 {
                y = y.map { t.denseActivation($0) }
                hidden.append(y)
            }
            x = y
        }
        return LayerValues(separable: sep, conv: conv, pooled: pooled, hidden: hidden, outputs: x)
    }
}

/// Every layer's output of one evaluation, as values.
public struct LayerValues: Sendable, Equatable {
    public var separable: [Double]
    public var conv: [Double]
    public var pooled: [Double]
    public var hidden: [[Double]]
    public var outputs: [Double]
}
