import Dispatch
import Randomness

/// Throughput of the engines on one core: events per second, the multiply-accumulates a
/// dense evaluation of the model needs, and the effective rate (events/s x MACs).
public struct InferenceBenchmark: Sendable {
    public enum Inputs: String, Sendable, CaseIterable {
        /// A blob of 1-12 non-zero pixels per event, like a cluster (synthetic).
        case clusters
        /// Every input random: the worst case for the zero-skipping fast path.
        case dense
    }

    public struct Result: Sendable, Codable {
        public var slices: Int
        public var inputs: String
        public var macsPerEvent: Int
        public var intEventsPerS: Double
        public var floatEventsPerS: Double
        public var intEffectiveGMACPerS: Double

        enum CodingKeys: String, CodingKey {
            case slices, inputs, macsPerEvent = "macs_per_event", intEventsPerS = "int_events_per_s"
            case floatEventsPerS = "float_events_per_s", intEffectiveGMACPerS = "int_effective_gmac_per_s"
        }
    }

    public var events: Int
    public var seed: UInt64

    public init(events: Int = 1_000_000, seed: UInt64 = 1) {
        self.events = events
        self.seed = seed
    }

    /// Inputs of `kind` for `a`, end to end.
    public static func makeInputs(_ a: ModelArchitecture, _ kind: Inputs, count: Int, rng: inout some RandomNumberGenerator) -> [Int8] {
        let range = a.types.input.codeRange
        var x = [Int8](repeating: 0, count: count * a.inputCount)
        for e in 0..<count {
            let base = e * a.inputCount
            switch kind {
            case .dense:
                for i in 0..<a.inputCount { x[base + i] = Int8(Int.random(in: range, using: &rng)) }
            case .clusters:
                let r0 = Int.random(in: 3..<(a.rows - 3), using: &rng), c0 = Int.random(in: 1..<(a.columns - 1), using: &rng)
                for _ in 0..<Int.random(in: 1...12, using: &rng) {
                    let r = r0 + Int.random(in: -3...3, using: &rng), c = c0 + Int.random(in: -1...1, using: &rng)
                    for k in 0..<a.slices { x[base + (r * a.columns + c) * a.slices + k] = Int8(Int.random(in: range, using: &rng)) }
                }
            }
        }
        return x
    }

    /// Runs on synthetic inputs of `kind`.
    public func run(model: QuantizedModel, inputs kind: Inputs) throws(ModelError) -> Result {
        var rng = SplitMix64(seed: seed)
        // A pool of distinct inputs cycled through, so the input stream is not cache-resident trivia.
        let pool = min(events, 4096)
        return try run(model: model, inputs: Self.makeInputs(model.architecture, kind, count: pool, rng: &rng), label: kind.rawValue)
    }

    /// Runs on given inputs (NHWC codes end to end), cycled through `events` times in all.
    public func run(model: QuantizedModel, inputs: [Int8], label: String) throws(ModelError) -> Result {
        let engine = try IntegerEngine(model), reference = try FloatReferenceEngine(model)
        let a = model.architecture
        let pool = inputs.count / a.inputCount
        precondition(pool > 0 && inputs.count == pool * a.inputCount, "inputs must hold whole events")
        let scratch = engine.makeScratch()
        var out = [Int32](repeating: 0, count: a.outputs)
        var checksum: Int32 = 0
        let start = ContinuousClock.now
        inputs.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                var i = 0
                for _ in 0..<events {
                    engine.evaluate(UnsafeBufferPointer(rebasing: x[(i * a.inputCount)..<((i + 1) * a.inputCount)]), scratch: scratch, into: o)
                    checksum &+= o[0]
                    i = i + 1 == pool ? 0 : i + 1  // cycles through the pool without a division per event
                }
            }
        }
        let intSeconds = (ContinuousClock.now - start).seconds
        // The float reference is ~1000 times slower: time a smaller sample of the same inputs.
        let floatEvents = max(1, min(events / 200, 2000))
        let floatStart = ContinuousClock.now
        for e in 0..<floatEvents {
            let i = e % pool
            let values = inputs[(i * a.inputCount)..<((i + 1) * a.inputCount)].map { Double($0) * a.types.input.scale }
            checksum &+= Int32(reference.trace(values).outputs[0] * 1024)
        }
        let floatSeconds = (ContinuousClock.now - floatStart).seconds
        blackHole(checksum)
        let intRate = Double(events) / max(intSeconds, 1e-9)
        return Result(
            slices: a.slices, inputs: label, macsPerEvent: a.multiplyAccumulates, intEventsPerS: intRate,
            floatEventsPerS: Double(floatEvents) / max(floatSeconds, 1e-9), intEffectiveGMACPerS: intRate * Double(a.multiplyAccumulates) / 1e9)
    }
}

/// Keeps a value alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole(_ x: Int32) { if x == 0x7FFF_FFF1 { print("") } }

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }

    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
