/// Per-thread working memory of the fast path; make one per thread with `makeScratch()`.
public final class InferenceScratch {
    var depthwise: [Int32]
    var touched: [Bool]
    var touchedList: [Int32]
    var blockDelta: [Int32]
    var blockTouched: [Bool]
    var blockList: [Int32]
    var dense0: [Int32]
    var activations: [Int32]
    var next: [Int32]
    var sep: [Int32]

    init(_ a: ModelArchitecture) {
        let positions = a.convRows * a.convColumns, blocks = a.poolRows * a.poolColumns
        let widest = max(a.hidden.max() ?? 0, a.outputs, a.flattened)
        depthwise = [Int32](repeating: 0, count: positions * a.slices)
        touched = [Bool](repeating: false, count: positions)
        touchedList = []
        touchedList.reserveCapacity(positions)
        blockDelta = [Int32](repeating: 0, count: blocks * a.filters)
        blockTouched = [Bool](repeating: false, count: blocks)
        blockList = []
        blockList.reserveCapacity(blocks)
        dense0 = [Int32](repeating: 0, count: widest)
        activations = [Int32](repeating: 0, count: widest)
        next = [Int32](repeating: 0, count: widest)
        sep = [Int32](repeating: 0, count: a.filters)
    }
}

@available(*, unavailable, message: "scratch memory belongs to one thread")
extension InferenceScratch: Sendable {}

extension IntegerEngine {
    public func makeScratch() -> InferenceScratch { InferenceScratch(model.architecture) }

    /// Evaluates one input (NHWC codes, `inputCount` of them) and writes the output layer's
    /// accumulators (value = accumulator * `outputScale`) to `output` (14 values).
    /// Work grows with the non-zero inputs; the result equals `trace` bit for bit.
    public func evaluate(_ input: UnsafeBufferPointer<Int8>, scratch s: InferenceScratch, into output: UnsafeMutableBufferPointer<Int32>) {
        let a = model.architecture
        precondition(
            input.count == a.inputCount && output.count == a.outputs,
            "input \(input.count) (needs \(a.inputCount)), output \(output.count) (needs \(a.outputs))")
        let C = a.slices, F = a.filters, K = a.kernel, cols = a.columns
        let usedRows = a.poolRows * a.pool, usedCols = a.poolColumns * a.pool, convCols = a.convColumns
        dw.withUnsafeBufferPointer { dw in
            s.depthwise.withUnsafeMutableBufferPointer { acc in
                s.touched.withUnsafeMutableBufferPointer { touched in
                    // 1. Scatter each non-zero input into the depthwise sums of the positions that see it.
                    var n = 0
                    while n < input.count {
                        let code = Int32(input[n])
                        if code != 0 {
                            let k = n % C, pixel = n / C, r = pixel / cols, c = pixel % cols
                            for i in 0..<K {
                                let pr = r - i
                                guard pr >= 0 && pr < usedRows else { continue }
                                for j in 0..<K {
                                    let pc = c - j
                                    guard pc >= 0 && pc < usedCols else { continue }
                                    let pos = pr * convCols + pc
                                    if !touched[pos] {
                                        touched[pos] = true
                                        s.touchedList.append(Int32(pos))
                                    }
                                    acc[pos * C + k] &+= code &* dw[(i * K + j) * C + k]
                                }
                            }
                        }
                        n += 1
                    }
                }
            }
        }
        // 2. Separable and 1x1 conv at the touched positions; pool blocks collect the change.
        for p in s.touchedList {
            let pos = Int(p)
            for f in 0..<F {
                var v = sepBias[f]
                for k in 0..<C { v &+= pw[k * F + f] &* s.depthwise[pos * C + k] }
                s.sep[f] = plan.separableActivation.apply(v)
            }
            for k in 0..<C { s.depthwise[pos * C + k] = 0 }
            s.touched[pos] = false
            let block = (pos / convCols) / a.pool * a.poolColumns + (pos % convCols) / a.pool
            if !s.blockTouched[block] {
                s.blockTouched[block] = true
                s.blockList.append(Int32(block))
            }
            for f in 0..<F {
                var v = convB[f]
                for g in 0..<F { v &+= s.sep[g] &* convK[g * F + f] }
                s.blockDelta[block * F + f] &+= plan.convActivation.apply(v) &- quietConv[f]
            }
        }
        s.touchedList.removeAll(keepingCapacity: true)
        // 3. Pool codes of the changed blocks update the first dense layer from its quiet value.
        let d0 = model.dense[0], out0 = d0.outputs
        for o in 0..<out0 { s.dense0[o] = quietDense0[o] }
        let blockSum = Int32(a.pool * a.pool)
        denseK[0].withUnsafeBufferPointer { w in
            for b in s.blockList {
                let block = Int(b)
                for f in 0..<F {
                    let i = block * F + f
                    let diff = plan.poolCode(quietConv[f] &* blockSum &+ s.blockDelta[i]) &- quietPoolCode[f]
                    s.blockDelta[i] = 0
                    guard diff != 0 else { continue }
                    for o in 0..<out0 { s.dense0[o] &+= diff &* w[i * out0 + o] }
                }
                s.blockTouched[block] = false
            }
        }
        s.blockList.removeAll(keepingCapacity: true)
        // 4. The remaining dense layers, densely (they are small).
        var width = out0
        if let activation = plan.dense[0].activation {
            for o in 0..<width { s.activations[o] = activation.apply(s.dense0[o]) }
        } else {
            for o in 0..<width { output[o] = s.dense0[o] }
            return
        }
        for l in 1..<model.dense.count {
            let d = model.dense[l]
            denseK[l].withUnsafeBufferPointer { w in
                for o in 0..<d.outputs { s.next[o] = denseB[l][o] }
                for i in 0..<width {
                    let x = s.activations[i]
                    guard x != 0 else { continue }
                    for o in 0..<d.outputs { s.next[o] &+= x &* w[i * d.outputs + o] }
                }
            }
            if let activation = plan.dense[l].activation {
                for o in 0..<d.outputs { s.activations[o] = activation.apply(s.next[o]) }
            } else {
                for o in 0..<d.outputs { output[o] = s.next[o] }
            }
            width = d.outputs
        }
    }
}
