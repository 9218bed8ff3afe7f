/// What the front end did in a run.
public struct FrontEndStats: Sendable, Codable, Equatable {
    public var mode = ""
    public var rateHz = 0.0
    public var occupancy = 0.0
    public var bunchCrossings: UInt64 = 0
    public var clusters: UInt64 = 0
    public var messages: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Records a PUB dropped at its high-water mark (always 0 with PUSH).
    public var droppedRecords: UInt64 = 0
    public var wallSeconds = 0.0
    /// Crossings / rate: the time the run covers.
    public var simulatedSeconds = 0.0
    /// Simulated time over wall time: 1 keeps up with the clock.
    public var realTimeFactor = 0.0
    public var clustersPerS = 0.0
    public var megabytesPerS = 0.0
    public var endOfRunDelivered = false
    /// Why the run ended: crossings, clusters, duration, signal, replay.
    public var stopReason = ""
    /// Replay: what the file's check found (gaps, duplicates, missing end-of-run).
    public var warnings: [String] = []
    /// With several outputs (one per inference worker): what each one's stream carried.
    public var outputs: [Output] = []

    public struct Output: Sendable, Codable, Equatable {
        public var endpoint: String
        public var streamID: UInt32
        public var messages: UInt64
        public var records: UInt64
        public var droppedRecords: UInt64
        public var endOfRunDelivered: Bool

        enum CodingKeys: String, CodingKey {
            case endpoint, streamID = "stream_id", messages, records, droppedRecords = "dropped_records", endOfRunDelivered = "end_of_run_delivered"
        }
    }

    mutating func update(wall: Double) {
        wallSeconds = wall
        simulatedSeconds = rateHz > 0 ? Double(bunchCrossings) / rateHz : 0
        realTimeFactor = wall > 0 ? simulatedSeconds / wall : 0
        clustersPerS = wall > 0 ? Double(clusters) / wall : 0
        megabytesPerS = wall > 0 ? Double(bytes) / wall / 1e6 : 0
    }

    enum CodingKeys: String, CodingKey {
        case mode, rateHz = "rate_hz", occupancy, bunchCrossings = "bunch_crossings", clusters, messages, bytes
        case droppedRecords = "dropped_records", wallSeconds = "wall_s", simulatedSeconds = "simulated_s", realTimeFactor = "real_time_factor"
        case clustersPerS = "clusters_per_s", megabytesPerS = "mb_per_s", endOfRunDelivered = "end_of_run_delivered", stopReason = "stop_reason"
        case warnings, outputs
    }
}
