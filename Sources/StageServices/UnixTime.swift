import Foundation

/// The wall clock (CLOCK_REALTIME, nanoseconds since the Unix epoch) that processes share,
/// against this process's monotonic clock: moments handed from one process to another.
public enum UnixTime {
    public static var now: UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// `instant` of `clock` on the wall clock.
    public static func nanoseconds(at instant: ContinuousClock.Instant, clock: ContinuousClock = ContinuousClock()) -> UInt64 {
        let wall = Int64(now), ago = (clock.now - instant).nanoseconds
        return UInt64(max(wall - ago, 0))
    }

    /// The instant of `clock` at wall-clock time `unixNanoseconds`.
    public static func instant(atUnixNanoseconds unixNanoseconds: UInt64, clock: ContinuousClock = ContinuousClock()) -> ContinuousClock.Instant {
        let wall = Int64(now), here = clock.now
        return here - .nanoseconds(wall - Int64(unixNanoseconds))
    }
}
