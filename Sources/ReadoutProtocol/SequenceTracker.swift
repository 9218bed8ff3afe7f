/// Follows one stream's sequence numbers and accounts for every message exactly: each
/// number is received once, reported missing, or (if it comes again) counted as a duplicate.
/// A number that arrives after a later one filled its gap is counted as reordered.
public struct SequenceTracker: Sendable, Equatable {
    public enum Event: Equatable, Sendable {
        /// The expected next message (or the first one seen).
        case inOrder
        /// A message after a gap: `skipped` numbers are now missing.
        case gap(skipped: UInt64)
        /// A message that was missing arrived late (its gap shrinks).
        case reordered
        /// A message seen before.
        case duplicate
        /// Too old to tell: below the oldest gap still remembered (see `maxGaps`).
        case stale
    }

    /// Distinct messages received (in order or late).
    public private(set) var received: UInt64 = 0
    public private(set) var duplicates: UInt64 = 0
    public private(set) var reordered: UInt64 = 0
    public private(set) var stale: UInt64 = 0
    /// The next number expected, one past the highest seen.
    public private(set) var expected: UInt64?
    /// Gaps still open, oldest first, as half-open ranges.
    public private(set) var gaps: [Range<UInt64>] = []
    /// Messages in gaps forgotten because more than `maxGaps` were open; still counted missing.
    public private(set) var forgottenMissing: UInt64 = 0
    private var forgottenBelow: UInt64 = 0
    public let maxGaps: Int

    /// - Parameter firstExpected: the number the stream starts at (0: a run-start is the first
    ///   message), or `nil` to start at whatever arrives first (a tap joining a running stream).
    public init(firstExpected: UInt64? = 0, maxGaps: Int = 4096) {
        expected = firstExpected
        self.maxGaps = maxGaps
    }

    /// Messages known to be missing: the open gaps plus forgotten ones.
    public var missing: UInt64 { gaps.reduce(forgottenMissing) { $0 + UInt64($1.count) } }

    @discardableResult
    public mutating func observe(_ sequence: UInt64) -> Event {
        guard let next = expected else {
            expected = sequence &+ 1
            received += 1
            return .inOrder
        }
        if sequence == next {
            expected = next &+ 1
            received += 1
            return .inOrder
        }
        if sequence > next {
            gaps.append(next..<sequence)
            if gaps.count > maxGaps {
                let old = gaps.removeFirst()
                forgottenMissing += UInt64(old.count)
                forgottenBelow = old.upperBound
            }
            expected = sequence &+ 1
            received += 1
            return .gap(skipped: sequence - next)
        }
        // sequence < next: late, duplicate or too old to tell.
        if let i = gapIndex(containing: sequence) {
            let g = gaps[i]
            if g.count == 1 {
                gaps.remove(at: i)
            } else if sequence == g.lowerBound {
                gaps[i] = (sequence + 1)..<g.upperBound
            } else if sequence == g.upperBound - 1 {
                gaps[i] = g.lowerBound..<sequence
            } else {
                gaps[i] = g.lowerBound..<sequence
                gaps.insert((sequence + 1)..<g.upperBound, at: i + 1)
            }
            received += 1
            reordered += 1
            return .reordered
        }
        if sequence < forgottenBelow {
            stale += 1
            return .stale
        }
        duplicates += 1
        return .duplicate
    }

    private func gapIndex(containing s: UInt64) -> Int? {
        // Gaps are sorted and disjoint: binary search.
        var lo = 0, hi = gaps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if gaps[mid].upperBound <= s { lo = mid + 1 } else { hi = mid }
        }
        return lo < gaps.count && gaps[lo].contains(s) ? lo : nil
    }
}
