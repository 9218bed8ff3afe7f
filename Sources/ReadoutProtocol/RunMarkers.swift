/// Opens a run: who produces the stream and its configuration as a JSON object
/// (geometry, clock, seed, ...), for people and for consumers that check what they read.
public struct RunStart: Equatable, Sendable {
    public var producer: String
    /// A UTF-8 JSON object; its keys are the producer's.
    public var configurationJSON: String

    public init(producer: String, configurationJSON: String = "{}") {
        self.producer = producer
        self.configurationJSON = configurationJSON
    }
}

/// Closes a run with totals, so a consumer can prove it saw everything or say what it lost.
public struct EndOfRun: Equatable, Sendable {
    /// Data messages (frames, predictions or decisions) sent on this stream.
    public var messages: UInt64
    /// Records in those messages.
    public var records: UInt64
    /// Bunch crossings simulated or covered.
    public var bunchCrossings: UInt64
    /// Records the sender produced but could not send (e.g. a PUB at its high-water mark).
    public var droppedRecords: UInt64
    /// Input messages this stage rejected as malformed.
    public var malformedInputs: UInt64
    /// Input messages this stage knows it missed (sequence gaps).
    public var missedInputs: UInt64

    public init(
        messages: UInt64 = 0, records: UInt64 = 0, bunchCrossings: UInt64 = 0, droppedRecords: UInt64 = 0, malformedInputs: UInt64 = 0, missedInputs: UInt64 = 0
    ) {
        self.messages = messages
        self.records = records
        self.bunchCrossings = bunchCrossings
        self.droppedRecords = droppedRecords
        self.malformedInputs = malformedInputs
        self.missedInputs = missedInputs
    }
}

extension EndOfRun: Codable {
    enum CodingKeys: String, CodingKey {
        case messages, records, bunchCrossings = "bunch_crossings", droppedRecords = "dropped_records", malformedInputs = "malformed_inputs"
        case missedInputs = "missed_inputs"
    }

    /// What hops up to and including this one lost on the way: an end-of-run's losses travel
    /// down the chain, each stage adding its own.
    public var losses: UInt64 { droppedRecords + malformedInputs + missedInputs }
}
