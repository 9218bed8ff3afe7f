import ArgumentParser
import Foundation
import Randomness
import ReadoutProtocol
import TriggerFilter

struct BenchTrigger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Trigger decisions per second on one core, from prediction batches to decision batches.",
        discussion: """
            Decides 256-record prediction batches of network outputs drawn around a trained \
            model's (pT 0.1-10 GeV of both signs at y-local -8.1 to 8.1 mm, cotBeta sigma \
            0.01-0.1, correlated y) with each policy, on one thread, the clock read only around \
            the whole loop. --json prints {"decisions_per_s": (the slowest policy's), \
            "policies": {name: decisions per second}, "decisions": N}.
            """
    )

    @Option(help: "Decisions per policy.")
    var decisions = 10_000_000

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (1000...1_000_000_000).contains(decisions) else { throw ValidationError("--decisions must be 1000 to 1e9, got \(decisions)") }
    }

    struct Result: Encodable {
        var decisionsPerS: Double
        var policies: [String: Double]
        var decisions: Int
        enum CodingKeys: String, CodingKey { case decisionsPerS = "decisions_per_s", policies, decisions }
    }

    func run() throws {
        let k = BarrelKinematics()
        var rng = SplitMix64(seed: 3)
        var batches: [PredictionBatch] = []
        for b in 0..<64 {
            var batch = PredictionBatch()
            for i in 0..<256 {
                let pt = (rng.uniform() < 0.5 ? -1 : 1) * exp(log(0.1) + rng.uniform() * log(100.0))
                let y0 = (2 * rng.uniform() - 1) * 8.1
                let sigmaB = 0.01 + 0.09 * rng.uniform()
                var o = [Float](repeating: 0, count: 14)
                o[2] = Float(rng.gaussian() * 0.2)
                o[3] = Float(2.8 / 18.75)
                o[6] = Float(k.cotBeta(pt: pt, y0: y0) / 0.5)
                o[7] = Float(sigmaB / 0.5)
                o[11] = Float(0.3 * sigmaB / 0.5)
                o[8] = 0.01
                batch.append(bunchCrossing: UInt64(b * 256 + i), frameSequence: UInt64(b), recordIndex: UInt32(i), yLocal: Float(y0), xLocal: 0, outputs: o)
            }
            batches.append(batch)
        }
        let policies: [TriggerPolicy] = [
            .pointCut(threshold: 0.2), .uncertaintyAware(threshold: 0.2, confidence: 0.5), .keepWhenUncertain(threshold: 0.2, sigmaLimit: 0.05),
            .onSensorClasses(threshold: 0.2),
        ]
        var rates: [String: Double] = [:]
        for p in policies {
            let decider = try TriggerDecider(policy: p)
            let rounds = max(decisions / 256, 1)
            var kept = 0
            let clock = ContinuousClock()
            let start = clock.now
            for r in 0..<rounds {
                let d = decider.decide(batches[r % 64])
                kept &+= d.records.count { $0.keep }
            }
            let seconds = (clock.now - start).seconds
            rates[p.name] = Double(rounds * 256) / seconds
            if !json {
                print(
                    p.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(format: "%6.2f M decisions/s (kept %.1f %%)", rates[p.name]! / 1e6, 100 * Double(kept) / Double(rounds * 256)))
            }
        }
        if json { try printJSON(Result(decisionsPerS: rates.values.min() ?? 0, policies: rates, decisions: decisions)) }
    }
}
