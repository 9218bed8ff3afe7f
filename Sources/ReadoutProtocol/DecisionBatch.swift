/// Keep/drop decisions of the trigger filter, each tied to the cluster it judges.
public struct DecisionBatch: Equatable, Sendable {
    public struct Record: Equatable, Sendable {
        public var bunchCrossing: UInt64
        public var frameSequence: UInt64
        public var recordIndex: UInt32
        public var keep: Bool
        /// Signed transverse momentum estimate, GeV.
        public var pt: Float
        /// Its one-standard-deviation uncertainty, GeV.
        public var ptSigma: Float
        /// The policy's score (e.g. probability that |pT| is above threshold).
        public var score: Float

        public init(bunchCrossing: UInt64, frameSequence: UInt64, recordIndex: UInt32, keep: Bool, pt: Float, ptSigma: Float, score: Float) {
            self.bunchCrossing = bunchCrossing
            self.frameSequence = frameSequence
            self.recordIndex = recordIndex
            self.keep = keep
            self.pt = pt
            self.ptSigma = ptSigma
            self.score = score
        }
    }

    public var records: [Record] = []
    /// The frames of the kept records, in their order, when the predictions carried frames.
    public var keptFrames: FrameBatch?

    public init(records: [Record] = [], keptFrames: FrameBatch? = nil) {
        self.records = records
        self.keptFrames = keptFrames
    }

    public var keptCount: Int { records.count { $0.keep } }

    public var count: Int { records.count }
}
