import ReadoutProtocol
import ZeroMQ

/// What a consumer saw of a run, checked against the run's own end-of-run totals.
public struct StreamSummary: Sendable, Codable {
    public var messages: UInt64 = 0
    public var dataMessages: UInt64 = 0
    public var records: UInt64 = 0
    public var bytes: UInt64 = 0
    public var malformed: UInt64 = 0
    public var missingMessages: UInt64 = 0
    public var duplicates: UInt64 = 0
    public var patternMismatches: UInt64 = 0
    public var endOfRunSeen = false
    /// Records the end-of-run says were sent; nil if it never arrived.
    public var recordsSent: UInt64?
    public var recordsDroppedBySender: UInt64?
    /// What the end-of-run says the hops up to the sender lost: input messages they found
    /// malformed or missed (records dropped are `recordsDroppedBySender`).
    public var upstreamMalformed: UInt64?
    public var upstreamMissed: UInt64?
    public var lastMalformedReason: String?
    public var seconds: Double = 0

    /// Everything the sender sent arrived, and the end-of-run proves it.
    public var receivedAllSent: Bool {
        endOfRunSeen && recordsSent == records && missingMessages == 0 && malformed == 0
    }

    /// Complete end to end: everything sent arrived, and no hop above lost, dropped or
    /// rejected anything (their totals travel down in the end-of-run).
    public var complete: Bool {
        receivedAllSent && (recordsDroppedBySender ?? 0) == 0 && (upstreamMalformed ?? 0) == 0 && (upstreamMissed ?? 0) == 0
    }

    /// Why the run is not complete, in words (empty when it is).
    public var shortfalls: [String] {
        var out: [String] = []
        guard endOfRunSeen else { return ["no end-of-run"] }
        if recordsSent != records { out.append("\(recordsSent ?? 0) records sent, \(records) received") }
        if missingMessages > 0 { out.append("\(missingMessages) messages missing") }
        if malformed > 0 { out.append("\(malformed) malformed messages") }
        if let d = recordsDroppedBySender, d > 0 { out.append("\(d) records dropped upstream") }
        if let m = upstreamMalformed, m > 0 { out.append("\(m) malformed messages upstream") }
        if let m = upstreamMissed, m > 0 { out.append("\(m) messages missed upstream") }
        return out
    }

    enum CodingKeys: String, CodingKey {
        case messages, dataMessages = "data_messages", records, bytes, malformed
        case missingMessages = "missing_messages", duplicates, patternMismatches = "pattern_mismatches"
        case endOfRunSeen = "end_of_run_seen", recordsSent = "records_sent"
        case recordsDroppedBySender = "records_dropped_by_sender", upstreamMalformed = "upstream_malformed", upstreamMissed = "upstream_missed"
        case lastMalformedReason = "last_malformed_reason", seconds
    }
}

extension StreamReceiver {
    /// Receives until an end-of-run arrives or nothing has come for `idleTimeout`.
    /// With `verifyPattern`, checks every frame's codes against the test pattern of that seed.
    public mutating func consumeRun(idleTimeout: Duration, verifyPattern seed: UInt64? = nil, onMessage: (StreamMessage) -> Void = { _ in }) throws(ZMQError)
        -> StreamSummary
    {
        var summary = StreamSummary()
        let start = ContinuousClock.now
        while let m = try next(timeout: idleTimeout) {
            onMessage(m)
            switch m.payload {
            case .frames(let b):
                summary.dataMessages += 1
                if let seed, let format = b.codeFormat {
                    // The test pattern numbers records from 0 in bunch-crossing order.
                    for i in 0..<b.count {
                        let r = b.bunchCrossings[i]
                        for (p, code) in b.codes(ofRecord: i).enumerated()
                        where Int(code) != TestPatternSource.code(seed: seed, record: r, pixel: p, format: format) {
                            summary.patternMismatches += 1
                        }
                    }
                }
            case .predictions, .decisions:
                summary.dataMessages += 1
            case .endOfRun(let e):
                summary.endOfRunSeen = true
                summary.recordsSent = e.records
                summary.recordsDroppedBySender = e.droppedRecords
                summary.upstreamMalformed = e.malformedInputs
                summary.upstreamMissed = e.missedInputs
            case .runStart, .heartbeat:
                break
            }
            if summary.endOfRunSeen { break }
        }
        summary.seconds = (ContinuousClock.now - start).seconds
        summary.messages = stats.messages
        summary.records = stats.records
        summary.bytes = stats.bytes
        summary.malformed = stats.malformed
        summary.missingMessages = stats.missing
        summary.duplicates = stats.duplicates
        summary.lastMalformedReason = stats.lastMalformedReason
        return summary
    }
}
