/// Each stage's statistics as metrics: the names of docs/monitoring.md. Counters end in
/// `_total`; rates are per second over the run so far; latencies in seconds.
extension StageMetrics {
    public func publish(_ s: FrontEndStats) {
        count("bunch_crossings_total", s.bunchCrossings)
        count("clusters_out_total", s.clusters)
        count("messages_out_total", s.messages)
        count("bytes_out_total", s.bytes)
        count("dropped_records_total", s.droppedRecords)
        gauge("real_time_factor", s.realTimeFactor)
        // Behind the clock (positive) by the wall time not yet covered by simulated time.
        gauge("lag_seconds", s.wallSeconds - s.simulatedSeconds)
        gauge("simulated_seconds", s.simulatedSeconds)
        gauge("wall_seconds", s.wallSeconds)
        gauge("clusters_per_second", s.clustersPerS)
        gauge("megabytes_per_second", s.megabytesPerS)
        gauge("end_of_run_delivered", s.endOfRunDelivered ? 1 : 0)
        for o in s.outputs {
            let output = [("output", String(o.streamID))]
            count("output_records_total", o.records, output)
            count("output_messages_total", o.messages, output)
        }
        residentMemory()
    }

    public func publish(_ s: InferenceStats) {
        if let id = s.runID { run(id) }
        count("messages_in_total", s.framesMessages)
        count("clusters_in_total", s.upstreamRecordsReceived)
        count("clusters_out_total", s.predictionRecordsSent)
        count("evaluated_total", s.events)
        count("missed_messages_total", s.missedInputs)
        count("malformed_messages_total", s.malformedInputs)
        count("dropped_records_total", s.droppedPredictions)
        count("over_budget_total", s.overBudget)
        count("duplicate_messages_total", s.duplicateInputs)
        count("foreign_messages_total", s.foreignMessages + s.foreignEndOfRuns)
        count("skipped_records_total", s.skippedRecords)
        for (reason, n) in s.skipReasons { count("skipped_records_by_reason_total", n, [("reason", reason)]) }
        gauge("clusters_per_second", s.eventsPerS)
        gauge("end_of_run_delivered", s.endOfRunDelivered ? 1 : 0)
        latencyGauges(p50: s.latencyP50Ns, p99: s.latencyP99Ns, p999: s.latencyP999Ns, max: s.latencyMaxNs)
        residentMemory()
    }

    public func publish(_ s: TriggerStats) {
        if let id = s.runID { run(id) }
        count("clusters_in_total", s.decisions)
        count("clusters_out_total", s.decisionRecordsSent)
        count("kept_total", s.kept)
        count("bytes_in_total", s.bytesIn)
        count("bytes_out_total", s.bytesOut)
        count("frame_bytes_in_total", s.frameBytesIn)
        count("frame_bytes_forwarded_total", s.frameBytesForwarded)
        count("missed_messages_total", s.missedInputs)
        count("malformed_messages_total", s.malformedInputs)
        count("dropped_records_total", s.droppedDecisions)
        count("foreign_messages_total", s.foreignMessages)
        count("frames_in_total", s.framesIn)
        count("frames_forwarded_total", s.framesForwarded)
        count("upstream_records_announced_total", s.upstreamRecordsSent)
        count("truth_above_total", s.truthAbove)
        count("truth_above_kept_total", s.truthAboveKept)
        gauge("data_reduction", s.dataReduction)
        gauge("byte_reduction", s.byteReduction)
        if let e = s.efficiency { gauge("efficiency", e) }
        gauge("clusters_per_second", s.decisionsPerS)
        gauge("upstream_streams_ended", Double(s.upstreamStreamsEnded))
        gauge("upstream_streams_expected", Double(s.upstreamStreamsExpected))
        gauge("end_of_run_delivered", s.endOfRunDelivered ? 1 : 0)
        latencyGauges(p50: s.latencyP50Ns, p99: s.latencyP99Ns, p999: nil, max: s.latencyMaxNs)
        residentMemory()
    }

    /// The chain's consumer at the end of a window (stage `consumer`): decisions received,
    /// lag behind the clock, end-to-end latency of the run so far.
    public func publish(window w: ChainWindow, received: UInt64, kept: UInt64, latency: LatencySummary) {
        count("clusters_in_total", received)
        count("kept_total", kept)
        gauge("clusters_per_second", w.decisionsPerS)
        gauge("lag_seconds", w.lagUs / 1e6)
        e2e(latency)
        residentMemory()
    }

    /// The chain's report (stage `chain`): what its summary prints beyond the stages' own
    /// numbers (the end-to-end latency is the consumer's).
    public func publish(_ r: ChainReport) {
        count("bunch_crossings_total", r.crossings)
        for (name, n) in [("generated", r.generated), ("inferred", r.inferred), ("decided", r.decided), ("received", r.received), ("kept", r.kept)] {
            count("chain_clusters_total", n, [("count", name)])
        }
        gauge("lost_records", Double(r.lost))
        for (hop, n) in r.lostPerHop { gauge("lost_records_by_hop", Double(n), [("hop", hop)]) }
        gauge("real_time_factor", r.rtf)
        gauge("wall_seconds", r.wallSeconds)
        gauge("data_reduction", r.dataReduction)
        gauge("byte_reduction", r.byteReduction)
        if let e = r.efficiency { gauge("efficiency", e) }
        gauge("run_complete", r.complete ? 1 : 0)
    }

    private func e2e(_ l: LatencySummary) {
        gauge("latency_p50_seconds", l.p50 / 1e6)
        gauge("latency_p99_seconds", l.p99 / 1e6)
        gauge("latency_p999_seconds", l.p999 / 1e6)
        gauge("latency_max_seconds", l.max / 1e6)
        count("latency_events_total", l.count)
    }
}
