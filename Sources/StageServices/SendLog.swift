import Synchronization

/// When each frames message was sent, by the crossings it holds, for a consumer in the same
/// process to measure latency from the send: a ring of the last `capacity` messages (older
/// entries are overwritten; a lookup of one says unknown). Keyed by crossing, not sequence
/// number: a front end that fans out over several outputs numbers each output on its own,
/// while its crossings rise across all of them.
public final class SendLog: Sendable {
    private struct Entry {
        var first: UInt64
        var last: UInt64
        var nanoseconds: Int64
    }
    private struct Ring {
        var entries: [Entry]
        var count = 0  // entries noted so far; the ring holds the last min(count, capacity)
        var found = 0  // the last entry found: consecutive lookups usually hit it again
    }
    private let ring: Mutex<Ring>
    private let origin: ContinuousClock.Instant
    private let mask: Int

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int = 1 << 16, origin: ContinuousClock.Instant = .now) {
        let size = 1 << max(1, Int.bitWidth - (max(capacity, 2) - 1).leadingZeroBitCount)
        ring = Mutex(Ring(entries: [Entry](repeating: Entry(first: 1, last: 0, nanoseconds: 0), count: size)))
        mask = size - 1
        self.origin = origin
    }

    /// Notes a message holding crossings `first...last`; messages are noted in crossing order.
    public func note(crossings first: UInt64, through last: UInt64, at instant: ContinuousClock.Instant) {
        let ns = (instant - origin).nanoseconds
        ring.withLock { r in
            r.entries[r.count & mask] = Entry(first: first, last: last, nanoseconds: ns)
            r.count += 1
        }
    }

    /// The instant the message holding `crossing` was sent, if it is still in the ring.
    public func sent(crossing: UInt64) -> ContinuousClock.Instant? {
        let ns: Int64? = ring.withLock { r in
            let mask = self.mask
            func holds(_ i: Int) -> Bool { r.entries[i & mask].first <= crossing && crossing <= r.entries[i & mask].last }
            if r.found < r.count, r.count - r.found <= mask + 1, holds(r.found) { return r.entries[r.found & mask].nanoseconds }
            // Binary search over the entries still held: the last one whose first crossing is <= crossing.
            var lo = max(0, r.count - (mask + 1)), hi = r.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if r.entries[mid & mask].first <= crossing { lo = mid + 1 } else { hi = mid }
            }
            let i = lo - 1
            guard i >= max(0, r.count - (mask + 1)), holds(i) else { return nil }
            r.found = i
            return r.entries[i & mask].nanoseconds
        }
        return ns.map { origin + .nanoseconds($0) }
    }
}
