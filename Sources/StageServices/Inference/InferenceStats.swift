import Histogram
import ReadoutProtocol

/// What the inference stage did: counts, and per-event evaluation latency in nanoseconds.
public struct InferenceStats: Sendable, Codable, Equatable {
    public var framesMessages: UInt64 = 0
    public var events: UInt64 = 0
    public var skippedRecords: UInt64 = 0
    public var lastSkipReason: String?
    /// Skipped records by reason (the reason's text).
    public var skipReasons: [String: UInt64] = [:]
    /// The run this stage serves (from its first run-start or data message).
    public var runID: UInt64?
    public var malformedInputs: UInt64 = 0
    public var missedInputs: UInt64 = 0
    public var unexpectedMessages: UInt64 = 0
    public var upstreamRecordsSent: UInt64?
    /// Records received from the stream this stage serves.
    public var upstreamRecordsReceived: UInt64 = 0
    /// The upstream's end-of-run, with the losses of every hop above it.
    public var upstreamEndOfRun: EndOfRun?
    public var foreignEndOfRuns: UInt64 = 0
    /// Run-starts of other runs or streams (ignored).
    public var foreignMessages: UInt64 = 0
    public var duplicateInputs: UInt64 = 0
    public var lastMalformedReason: String?
    /// Predictions a PUB output dropped, or a blocked PUSH gave up on after a stop.
    public var droppedPredictions: UInt64 = 0
    /// Run-start checks that did not pass (slices, input code).
    public var warnings: [String] = []
    /// end-of-run, signal, idle timeout, output blocked for the idle timeout.
    public var stopReason = ""
    public var predictionRecordsSent: UInt64 = 0
    public var endOfRunDelivered = false
    public var overBudget: UInt64 = 0
    public var latencyP50Ns: UInt64 = 0
    public var latencyP99Ns: UInt64 = 0
    public var latencyP999Ns: UInt64 = 0
    public var latencyMaxNs: UInt64 = 0
    public var latencyMeanNs: Double = 0
    /// (percentile, latency ns) at `latencyCurvePercentiles`, for plots.
    public var latencyCurve: [[Double]] = []
    public var seconds: Double = 0
    public var eventsPerS: Double = 0

    /// Why this run does not balance (empty when it does): every record the upstream says it
    /// sent arrived and was predicted, no hop lost or rejected anything, and the end-of-run got out.
    public var imbalance: [String] {
        var out: [String] = []
        guard let up = upstreamEndOfRun else { return ["no end-of-run from upstream"] }
        if upstreamRecordsReceived != up.records { out.append("upstream sent \(up.records) records, \(upstreamRecordsReceived) arrived") }
        if missedInputs > 0 { out.append("\(missedInputs) input messages missed") }
        if malformedInputs > 0 { out.append("\(malformedInputs) malformed input messages") }
        if up.droppedRecords + up.malformedInputs + up.missedInputs > 0 {
            out.append("hops upstream lost \(up.droppedRecords) records, \(up.missedInputs) messages missed, \(up.malformedInputs) malformed")
        }
        if skippedRecords > 0 { out.append("\(skippedRecords) records skipped") }
        if droppedPredictions > 0 { out.append("\(droppedPredictions) predictions dropped") }
        if !endOfRunDelivered { out.append("end-of-run not delivered") }
        return out
    }

    mutating func update(_ h: Histogram<UInt64>, _ r: ReceiverStats, seconds: Double) {
        if h.totalCount > 0 {
            latencyP50Ns = h.valueAtPercentile(50)
            latencyP99Ns = h.valueAtPercentile(99)
            latencyP999Ns = h.valueAtPercentile(99.9)
            latencyMaxNs = h.max
            latencyMeanNs = h.mean
            latencyCurve = Self.latencyCurvePercentiles.map { [$0, Double($0 >= 100 ? h.max : h.valueAtPercentile($0))] }
        }
        malformedInputs = r.malformed
        missedInputs = r.missing
        self.seconds = seconds
        eventsPerS = seconds > 0 ? Double(events) / seconds : 0
    }

    /// Every 10 % to 90 %, then 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100 (the maximum).
    public static let latencyCurvePercentiles: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100]

    enum CodingKeys: String, CodingKey {
        case framesMessages = "frames_messages", events, skippedRecords = "skipped_records", lastSkipReason = "last_skip_reason"
        case skipReasons = "skip_reasons", runID = "run_id"
        case malformedInputs = "malformed_inputs", missedInputs = "missed_inputs", unexpectedMessages = "unexpected_messages"
        case upstreamRecordsSent = "upstream_records_sent", upstreamRecordsReceived = "upstream_records_received"
        case upstreamEndOfRun = "upstream_end_of_run", foreignEndOfRuns = "foreign_end_of_runs", foreignMessages = "foreign_messages"
        case duplicateInputs = "duplicate_inputs", lastMalformedReason = "last_malformed_reason", droppedPredictions = "dropped_predictions"
        case warnings, stopReason = "stop_reason", predictionRecordsSent = "prediction_records_sent", endOfRunDelivered = "end_of_run_delivered"
        case overBudget = "over_budget", latencyP50Ns = "latency_p50_ns", latencyP99Ns = "latency_p99_ns", latencyP999Ns = "latency_p999_ns"
        case latencyMaxNs = "latency_max_ns", latencyMeanNs = "latency_mean_ns", latencyCurve = "latency_curve", seconds, eventsPerS = "events_per_s"
    }
}
