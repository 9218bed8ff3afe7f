import Histogram

/// Latency percentiles in microseconds, from an HDR histogram of nanoseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var p50 = 0.0, p99 = 0.0, p999 = 0.0, max = 0.0
    public var count: UInt64 = 0

    public init() {}

    public init(_ h: Histogram<UInt64>) {
        guard h.totalCount > 0 else { return }
        p50 = Double(h.valueAtPercentile(50)) / 1000
        p99 = Double(h.valueAtPercentile(99)) / 1000
        p999 = Double(h.valueAtPercentile(99.9)) / 1000
        max = Double(h.max) / 1000
        count = h.totalCount
    }
}

/// One time window of a chain run, as the consumer saw it.
public struct ChainWindow: Sendable, Codable, Equatable {
    /// Window end, seconds since the run's origin.
    public var seconds = 0.0
    public var decided: UInt64 = 0
    public var decisionsPerS = 0.0
    /// How far the last decision's crossing is behind the wall clock, microseconds
    /// (real-time runs; as-fast-as-possible runs run ahead, which is negative).
    public var lagUs = 0.0
    public var latencyUs = LatencySummary()
    /// Resident memory at the window's end: the process's, or (a chain of separate
    /// processes) their sum, each one's in `residentBytesByProcess`.
    public var residentBytes: UInt64 = 0
    public var residentBytesByProcess: [String: UInt64]?

    enum CodingKeys: String, CodingKey {
        case seconds, decided, decisionsPerS = "decisions_per_s", lagUs = "lag_us", latencyUs = "latency_us", residentBytes = "resident_bytes"
        case residentBytesByProcess = "resident_bytes_by_process"
    }
}

/// What the whole chain did: every hop's stats, the clusters each hop passed on, and the
/// end-to-end latency.
public struct ChainReport: Sendable, Codable {
    /// Clusters the front end generated, predicted, decided, and whose decision reached the
    /// consumer; `lost` = generated - received by the consumer, and per hop.
    public var crossings: UInt64 = 0
    public var generated: UInt64 = 0
    public var inferred: UInt64 = 0
    public var decided: UInt64 = 0
    public var received: UInt64 = 0
    public var kept: UInt64 = 0
    public var keptFramesReceived: UInt64 = 0
    public var lost: UInt64 = 0
    public var lostPerHop: [String: UInt64] = [:]
    /// Simulated time over the wall time from the run's origin to the consumer's end-of-run.
    public var rtf = 0.0
    public var wallSeconds = 0.0
    public var latencyUs = LatencySummary()
    /// "crossing" (real time: from the crossing's moment on the wall clock) or "send" (as
    /// fast as possible: from the moment the front end sent the cluster's frames message).
    public var latencyFrom = ""
    public var dataReduction = 0.0
    public var byteReduction = 0.0
    public var thresholdGeV = 0.0
    /// With truth: the fraction of clusters truly above the threshold that were kept.
    public var efficiency: Double?
    public var complete = false
    public var shortfalls: [String] = []
    public var windows: [ChainWindow] = []
    public var frontEnd = FrontEndStats()
    /// One per inference worker.
    public var inference: [InferenceStats] = []
    public var trigger = TriggerStats()
    public var consumer = StreamSummary()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case crossings, generated, inferred, decided, received, kept, keptFramesReceived = "kept_frames_received", lost, lostPerHop = "lost_per_hop", rtf
        case wallSeconds = "wall_s", latencyUs = "latency_us", latencyFrom = "latency_from", dataReduction = "data_reduction"
        case byteReduction = "byte_reduction", thresholdGeV = "threshold_gev", efficiency, complete, shortfalls, windows
        case frontEnd = "front_end", inference, trigger, consumer
    }
}
