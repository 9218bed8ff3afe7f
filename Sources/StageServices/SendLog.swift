import Synchronization

/// When each message of a stream was sent, by sequence number, for a consumer in the same
/// process to measure latency from the send: a ring of the last `capacity` messages (older
/// entries are overwritten; a lookup of one says unknown).
public final class SendLog: Sendable {
    private let entries: Mutex<[(sequence: UInt64, nanoseconds: Int64)]>
    private let origin: ContinuousClock.Instant
    private let mask: Int

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int = 1 << 16, origin: ContinuousClock.Instant = .now) {
        let size = 1 << max(1, Int.bitWidth - (max(capacity, 2) - 1).leadingZeroBitCount)
        entries = Mutex([(UInt64, Int64)](repeating: (UInt64.max, 0), count: size))
        mask = size - 1
        self.origin = origin
    }

    public func note(sequence: UInt64, at instant: ContinuousClock.Instant) {
        let ns = (instant - origin).nanoseconds
        entries.withLock { $0[Int(sequence & UInt64(mask))] = (sequence, ns) }
    }

    /// The instant message `sequence` was sent, if it is still in the ring.
    public func sent(_ sequence: UInt64) -> ContinuousClock.Instant? {
        let e = entries.withLock { $0[Int(sequence & UInt64(mask))] }
        return e.sequence == sequence ? origin + .nanoseconds(e.nanoseconds) : nil
    }
}
