/// The frame's time slices (architecture.md), the one place that says which is which: slice
/// k = 0..19 holds the cumulative induced charge at t = 200 ps (k + 1); a 20-slice network
/// takes them all, a 2-slice network the first and the last (k = 0 and 19).
public enum TimeSlices {
    /// Slices the simulator produces.
    public static let simulated = 20
    /// Width of one slice, nanoseconds.
    public static let widthNs = 0.2

    /// End of slice `k`, nanoseconds after the crossing.
    public static func timeNs(ofSlice k: Int) -> Double { widthNs * Double(k + 1) }

    /// The slices a network with `channels` input channels was trained on: 2 -> [0, 19],
    /// 20 -> 0...19; nil for any other count.
    public static func network(channels: Int) -> [Int]? {
        switch channels {
        case 2: [0, simulated - 1]
        case simulated: Array(0..<simulated)
        default: nil
        }
    }

    /// Where each of `needed` stands among the slices a stream carries, or the first one it
    /// lacks: a network's channels taken from frames of `carried` slices.
    public static func positions(of needed: [Int], in carried: [Int]) -> Result<[Int], MissingSlice> {
        var out: [Int] = []
        for k in needed {
            guard let p = carried.firstIndex(of: k) else { return .failure(MissingSlice(slice: k, carried: carried)) }
            out.append(p)
        }
        return .success(out)
    }

    public struct MissingSlice: Error, Equatable, CustomStringConvertible {
        public let slice: Int
        public let carried: [Int]
        public var description: String {
            "the stream carries slices \(carried.map(String.init).joined(separator: ",")), not slice \(slice)"
        }
    }
}
