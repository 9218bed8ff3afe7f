import Randomness
import Testing

@testable import ReadoutProtocol

/// The decoder must reject garbage with an error, never crash or hang. These run the
/// decoder on inputs no producer would send; reaching the end is the assertion, and the
/// counts make sure most inputs were really rejected rather than silently accepted.
@Suite struct FuzzTests {
    @Test func randomByteStringsAreRejected() {
        var rng = SplitMix64(seed: 20)
        var rejected = 0
        for i in 0..<100_000 {
            let partCount = Int.random(in: 1...5, using: &rng)
            var parts: [[UInt8]] = []
            for p in 0..<partCount {
                var bytes = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                // Half the time give the first part a plausible start, so deeper checks run too.
                if p == 0, i % 2 == 0, bytes.count >= 8 {
                    bytes.replaceSubrange(0..<4, with: Array("SPXR".utf8))
                    bytes[4] = 1; bytes[5] = 0
                    bytes[6] = UInt8.random(in: 1...6, using: &rng)
                    bytes[7] = UInt8(partCount)
                }
                parts.append(bytes)
            }
            if (try? StreamMessage.decode(parts)) == nil { rejected += 1 }
        }
        #expect(rejected >= 99_000, "only \(rejected) of 100000 random strings rejected")
    }

    @Test func mutatedValidMessagesNeverCrash() {
        var rng = SplitMix64(seed: 21)
        let samples = sampleMessages(&rng).map { $0.encode() }
        var rejected = 0, accepted = 0
        for _ in 0..<100_000 {
            var parts = samples.randomElement(using: &rng)!
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:  // flip bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let p = Int.random(in: 0..<parts.count, using: &rng)
                    guard !parts[p].isEmpty else { continue }
                    parts[p][Int.random(in: 0..<parts[p].count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1:  // truncate or extend a part
                let p = Int.random(in: 0..<parts.count, using: &rng)
                if Bool.random(using: &rng), !parts[p].isEmpty {
                    parts[p].removeLast(Int.random(in: 1...parts[p].count, using: &rng))
                } else {
                    parts[p] += (0..<Int.random(in: 1...9, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
            case 2:  // drop or duplicate a part
                let p = Int.random(in: 0..<parts.count, using: &rng)
                if Bool.random(using: &rng) { parts.remove(at: p) } else { parts.insert(parts[p], at: p) }
            default:  // rewrite a header field with an extreme value
                let offset = [7, 32, 33, 35, 36, 38, 39, 40, 41, 42].randomElement(using: &rng)!
                parts[0][offset] = [0, 1, 2, 3, 4, 8, 127, 128, 255].randomElement(using: &rng)!
            }
            if (try? StreamMessage.decode(parts)) == nil { rejected += 1 } else { accepted += 1 }
        }
        // Flips inside float payloads are valid messages; structural damage must be caught.
        #expect(rejected + accepted == 100_000)
        #expect(rejected > 40_000, "only \(rejected) mutated messages rejected")
    }
}
