import Randomness
import Testing

@testable import ReadoutProtocol

@Suite struct SequenceTrackerTests {
    @Test func inOrderStreamHasNothingMissing() {
        var t = SequenceTracker()
        for s in 0..<100 { #expect(t.observe(UInt64(s)) == .inOrder) }
        #expect(t.received == 100 && t.missing == 0 && t.duplicates == 0 && t.reordered == 0)
    }

    @Test func gapsDuplicatesAndLateArrivals() {
        var t = SequenceTracker()
        #expect(t.observe(0) == .inOrder)
        #expect(t.observe(5) == .gap(skipped: 4))
        #expect(t.missing == 4)
        #expect(t.observe(3) == .reordered)  // splits 1..<5 into 1..<3 and 4..<5
        #expect(t.gaps == [1..<3, 4..<5])
        #expect(t.observe(3) == .duplicate)
        #expect(t.observe(5) == .duplicate)
        #expect(t.observe(1) == .reordered)
        #expect(t.observe(4) == .reordered)
        #expect(t.gaps == [2..<3])
        #expect(t.received == 5 && t.missing == 1 && t.duplicates == 2 && t.reordered == 3)
    }

    @Test func lateJoinerCountsWhatItMissedFromTheStart() {
        var t = SequenceTracker(firstExpected: 0)
        #expect(t.observe(57) == .gap(skipped: 57))
        var tap = SequenceTracker(firstExpected: nil)
        #expect(tap.observe(57) == .inOrder)
        #expect(tap.missing == 0)
    }

    /// Every number is accounted for exactly once whatever the order, loss and duplication.
    @Test func accountingIsExactUnderRandomDisorder() {
        var rng = SplitMix64(seed: 30)
        for _ in 0..<200 {
            let n = Int.random(in: 1...300, using: &rng)
            var delivered: [UInt64] = []
            for s in 0..<n where Int.random(in: 0..<10, using: &rng) != 0 { delivered.append(UInt64(s)) }
            let distinct = Set(delivered)
            for _ in 0..<Int.random(in: 0...20, using: &rng) where !delivered.isEmpty { delivered.append(delivered.randomElement(using: &rng)!) }
            // Local reordering: swap neighbours.
            for i in stride(from: 1, to: delivered.count, by: 1) where Int.random(in: 0..<4, using: &rng) == 0 { delivered.swapAt(i - 1, i) }
            var t = SequenceTracker()
            for s in delivered { t.observe(s) }
            let highest = delivered.max() ?? 0
            #expect(t.received == UInt64(distinct.count))
            #expect(t.duplicates == UInt64(delivered.count - distinct.count))
            #expect(t.received + t.missing == highest + 1, "every number below the highest is received or missing")
            let missingSet = Set(t.gaps.flatMap { Array($0) })
            #expect(missingSet.isDisjoint(with: distinct))
        }
    }

    @Test func forgottenGapsStayCounted() {
        var t = SequenceTracker(maxGaps: 2)
        for s: UInt64 in [0, 2, 4, 6, 8] { t.observe(s) }  // gaps 1, 3, 5, 7
        #expect(t.gaps == [5..<6, 7..<8] && t.missing == 4 && t.forgottenMissing == 2)
        #expect(t.observe(1) == .stale)
        #expect(t.observe(5) == .reordered)
        #expect(t.missing == 3)
    }
}
