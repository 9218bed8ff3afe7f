import Dispatch

extension IntegerEngine {
    /// Evaluates `count` inputs laid end to end (each `inputCount` codes, NHWC) into
    /// `count * 14` output accumulators, split over `threads` threads, each with its own scratch.
    /// With `latencies`, each event's evaluation time in nanoseconds is written there.
    public func evaluateBatch(
        _ inputs: UnsafeBufferPointer<Int8>, count: Int, into outputs: UnsafeMutableBufferPointer<Int32>, threads: Int = 1,
        latencies: UnsafeMutableBufferPointer<UInt64>? = nil
    ) {
        let n = model.architecture.inputCount, o = model.architecture.outputs
        precondition(inputs.count >= count * n && outputs.count >= count * o, "batch buffers too small for \(count) events")
        let chunks = max(1, min(threads, count))
        // Raw addresses cross into the workers; each writes only its own slice of `outputs`.
        precondition(latencies.map { $0.count >= count } ?? true, "latency buffer too small for \(count) events")
        let inBase = UInt(bitPattern: inputs.baseAddress), outBase = UInt(bitPattern: outputs.baseAddress)
        let latencyBase = UInt(bitPattern: latencies?.baseAddress)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let scratch = makeScratch()
            let inp = UnsafePointer<Int8>(bitPattern: inBase)!, out = UnsafeMutablePointer<Int32>(bitPattern: outBase)!
            let lat = UnsafeMutablePointer<UInt64>(bitPattern: latencyBase)
            let clock = ContinuousClock()
            for e in stride(from: chunk * count / chunks, to: (chunk + 1) * count / chunks, by: 1) {
                let start = lat == nil ? nil : clock.now
                evaluate(UnsafeBufferPointer(start: inp + e * n, count: n), scratch: scratch, into: UnsafeMutableBufferPointer(start: out + e * o, count: o))
                if let lat, let start { lat[e] = UInt64((clock.now - start).nanoseconds) }
            }
        }
    }

    /// Every event of `inputs` (NHWC codes, end to end) as its `outputs` accumulators
    /// (value = accumulator * `outputScale`), without latencies.
    public func evaluateBatch(_ inputs: [Int8], count: Int, threads: Int = 1) -> [Int32] {
        var accumulators = [Int32](repeating: 0, count: count * model.architecture.outputs)
        inputs.withUnsafeBufferPointer { x in accumulators.withUnsafeMutableBufferPointer { evaluateBatch(x, count: count, into: $0, threads: threads) } }
        return accumulators
    }
}
