/// The clusters of a run of consecutive bunch crossings, in crossing order: what a worker
/// hands to the socket thread.
public struct FrameChunk: Sendable {
    public var firstBunchCrossing: UInt64
    public var crossings: Int
    public var bunchCrossings: [UInt64] = []
    /// Module coordinates of each cluster, millimetres.
    public var yLocal: [Float] = [], xLocal: [Float] = []
    /// `count x pixels` codes; charge (electrons) and truth (13 per record) when requested.
    public var codes: [Int16] = []
    public var charge: [Float] = []
    public var truth: [Float] = []

    public var count: Int { bunchCrossings.count }
}
