/// Network outputs for a batch of clusters, each tied to the frames message and record it
/// came from. Outputs are the 14 numbers in the order
/// `[x, L11, y, L22, cotA, L33, cotB, L44, L21, L31, L32, L41, L42, L43]`.
public struct PredictionBatch: Equatable, Sendable {
    public static let outputsPerRecord = 14

    public var bunchCrossings: [UInt64] = []
    /// Sequence number of the frames message each record came from.
    public var frameSequences: [UInt64] = []
    /// Index of the record within that frames message.
    public var recordIndices: [UInt32] = []
    public var yLocal: [Float] = []
    public var xLocal: [Float] = []
    /// `records * 14` outputs.
    public var outputs: [Float] = []
    /// The frames judged, record i of these for prediction i, when the inference stage
    /// forwards them (so that the trigger can pass on the clusters it keeps).
    public var frames: FrameBatch?

    public init() {}

    public var count: Int { bunchCrossings.count }

    public mutating func append(
        bunchCrossing: UInt64, frameSequence: UInt64, recordIndex: UInt32, yLocal y: Float, xLocal x: Float,
        outputs o: some Collection<Float>
    ) {
        precondition(o.count == Self.outputsPerRecord, "a prediction has \(Self.outputsPerRecord) outputs")
        bunchCrossings.append(bunchCrossing)
        frameSequences.append(frameSequence)
        recordIndices.append(recordIndex)
        yLocal.append(y)
        xLocal.append(x)
        outputs.append(contentsOf: o)
    }

    public func outputs(ofRecord i: Int) -> ArraySlice<Float> {
        outputs[(i * Self.outputsPerRecord)..<((i + 1) * Self.outputsPerRecord)]
    }
}
