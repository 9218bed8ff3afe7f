/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seeded generator with a 2^64 period
/// that passes BigCrush. Every random number in the project comes from one, so the same
/// seed gives the same bytes on any machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for sub-task `index` (a worker, a cluster): the seed hashed with
    /// the index, so streams do not overlap in practice and results do not depend on how
    /// work is split between threads.
    public static func stream(seed: UInt64, index: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}
