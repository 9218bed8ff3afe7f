import Histogram

/// What the trigger stage did: decisions, what it kept, per-event decision latency (ns).
public struct TriggerStats: Sendable, Codable, Equatable {
    public var decisions: UInt64 = 0
    public var kept: UInt64 = 0
    /// 1 - kept / decided: the fraction of clusters the trigger removes.
    public var dataReduction: Double = 0
    public var upstreamStreamsEnded = 0
    /// Workers whose end-of-runs were awaited (configured, or announced by the front end).
    public var upstreamStreamsExpected = 1
    /// Workers heard from that never ended their run (died, or stuck): their share is missing.
    public var streamsWithoutEndOfRun: [OpenStream] = []

    public struct OpenStream: Sendable, Codable, Equatable {
        public var streamID: UInt32
        /// Predictions that came from it (and were decided) before it fell silent.
        public var recordsReceived: UInt64

        enum CodingKeys: String, CodingKey {
            case streamID = "stream_id", recordsReceived = "records_received"
        }
    }
    public var upstreamRecordsSent: UInt64 = 0
    /// The run this stage serves (the first it hears from).
    public var runID: UInt64?
    /// Records lost, malformed or missed above this stage, by the upstream end-of-runs.
    public var upstreamLosses: UInt64 = 0
    public var decisionRecordsSent: UInt64 = 0
    public var droppedDecisions: UInt64 = 0
    public var malformedInputs: UInt64 = 0
    public var missedInputs: UInt64 = 0
    public var foreignMessages: UInt64 = 0
    public var unexpectedMessages: UInt64 = 0
    public var endOfRunDelivered = false
    public var stopReason = ""
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    /// Frames that came attached to predictions, and those forwarded attached to decisions
    /// (the kept ones), with their bytes on the wire (record, codes, charge, truth parts).
    public var framesIn: UInt64 = 0
    public var frameBytesIn: UInt64 = 0
    public var framesForwarded: UInt64 = 0
    public var frameBytesForwarded: UInt64 = 0
    /// 1 - forwarded frame bytes / frame bytes in (0 when no frames came).
    public var byteReduction: Double = 0
    /// With truth in the frames: clusters judged with truth, those whose true |pT| is above
    /// the policy's threshold, and those of them kept; efficiency = kept / above.
    public var truthClusters: UInt64 = 0
    public var truthAbove: UInt64 = 0
    public var truthAboveKept: UInt64 = 0
    public var efficiency: Double? { truthAbove > 0 ? Double(truthAboveKept) / Double(truthAbove) : nil }
    public var latencyP50Ns: UInt64 = 0
    public var latencyP99Ns: UInt64 = 0
    public var latencyMaxNs: UInt64 = 0
    public var seconds: Double = 0
    public var decisionsPerS: Double = 0

    /// Why the run does not balance (empty when it does).
    public var imbalance: [String] {
        var out: [String] = []
        if upstreamStreamsEnded == 0 { out.append("no end-of-run from upstream") }
        if upstreamStreamsEnded > 0, upstreamStreamsEnded < upstreamStreamsExpected {
            out.append("\(upstreamStreamsExpected - upstreamStreamsEnded) of \(upstreamStreamsExpected) workers sent no end-of-run: their share is missing")
        }
        for s in streamsWithoutEndOfRun {
            out.append("worker stream \(s.streamID) fell silent without its end-of-run after \(s.recordsReceived) predictions")
        }
        if decisions != upstreamRecordsSent { out.append("upstream sent \(upstreamRecordsSent) predictions, \(decisions) were decided") }
        if upstreamLosses > 0 { out.append("hops upstream lost \(upstreamLosses)") }
        if malformedInputs + missedInputs > 0 { out.append("\(malformedInputs) malformed and \(missedInputs) missed input messages") }
        if droppedDecisions > 0 { out.append("\(droppedDecisions) decisions dropped") }
        if framesIn > 0, framesIn != decisions { out.append("\(decisions - framesIn) predictions came without their frames") }
        if !endOfRunDelivered { out.append("end-of-run not delivered") }
        return out
    }

    mutating func update(_ h: Histogram<UInt64>, _ r: ReceiverStats, seconds: Double) {
        if h.totalCount > 0 {
            latencyP50Ns = h.valueAtPercentile(50)
            latencyP99Ns = h.valueAtPercentile(99)
            latencyMaxNs = h.max
        }
        malformedInputs = r.malformed
        missedInputs = r.missing
        dataReduction = decisions > 0 ? 1 - Double(kept) / Double(decisions) : 0
        byteReduction = frameBytesIn > 0 ? 1 - Double(frameBytesForwarded) / Double(frameBytesIn) : 0
        self.seconds = seconds
        decisionsPerS = seconds > 0 ? Double(decisions) / seconds : 0
    }

    enum CodingKeys: String, CodingKey {
        case decisions, kept, dataReduction = "data_reduction", upstreamStreamsEnded = "upstream_streams_ended",
            upstreamStreamsExpected = "upstream_streams_expected", streamsWithoutEndOfRun = "streams_without_end_of_run", upstreamRecordsSent =
            "upstream_records_sent"
        case runID = "run_id"
        case upstreamLosses = "upstream_losses", decisionRecordsSent = "decision_records_sent", droppedDecisions = "dropped_decisions"
        case malformedInputs = "malformed_inputs", missedInputs = "missed_inputs", foreignMessages = "foreign_messages", unexpectedMessages =
            "unexpected_messages"
        case endOfRunDelivered = "end_of_run_delivered", stopReason = "stop_reason", bytesIn = "bytes_in", bytesOut = "bytes_out"
        case framesIn = "frames_in", frameBytesIn = "frame_bytes_in", framesForwarded = "frames_forwarded", frameBytesForwarded = "frame_bytes_forwarded"
        case byteReduction = "byte_reduction", truthClusters = "truth_clusters", truthAbove = "truth_above_threshold"
        case truthAboveKept = "truth_above_threshold_kept"
        case latencyP50Ns = "latency_p50_ns", latencyP99Ns = "latency_p99_ns", latencyMaxNs = "latency_max_ns", seconds, decisionsPerS = "decisions_per_s"
    }
}
