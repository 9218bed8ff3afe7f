import Histogram
import ReadoutProtocol
import TriggerFilter
import ZeroMQ

/// The trigger stage: takes prediction batches (from one or several inference workers,
/// interleaved), decides every cluster with a policy and sends decision batches that keep
/// each cluster's bunch crossing, frames sequence number and record index. Ends when every
/// expected upstream stream has sent its end-of-run (or on a stop or the idle timeout), with
/// an end-of-run that carries the losses of every hop above. Predictions that carry their
/// frames (onpixel-infer --forward-frames) have the kept records' frames forwarded attached
/// to the decisions.
public struct TriggerService: ~Copyable {
    public struct Configuration: Sendable {
        public var input = "tcp://127.0.0.1:5556"
        public var output = "tcp://127.0.0.1:5557"
        public var highWaterMark = 1000
        public var policy: TriggerPolicy = .uncertaintyAware(threshold: 0.2, confidence: 0.5)
        public var streamID: UInt32 = 0
        /// Upstream streams (inference workers) whose end-of-runs end the run: at least this
        /// many, more when a run-start says its front end fans out over more outputs.
        public var upstreamStreams = 1
        public var idleTimeout: Duration?
        /// Once some workers have ended their run, how long the others may stay silent before
        /// the run ends without them (their share then reported missing).
        public var stragglerTimeout: Duration = .seconds(10)
        /// Where the stage's numbers go live (published with each progress report and at
        /// the end; nil: nowhere).
        public var metrics: StageMetrics?
        public init() {}
    }

    public let configuration: Configuration
    private let decider: TriggerDecider
    private var receiver: StreamReceiver
    private var sender: StreamSender
    public private(set) var stats = TriggerStats()
    private var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// The run this stage serves (the first heard of); its streams are the upstream workers.
    private var runID: UInt64?
    private var ended: [UInt32: EndOfRun] = [:]
    /// Streams heard from (any message of the run served).
    private var heard: Set<UInt32> = []
    private var expected = 1
    public var log: @Sendable (String) -> Void = { _ in }

    public init(context: Context, configuration c: Configuration) throws {
        let decider = try TriggerDecider(policy: c.policy)
        var receiver = try StreamReceiver(context: context, endpoint: c.input, pattern: .push, highWaterMark: c.highWaterMark)
        receiver.codeDecoding = .packed  // the trigger forwards frames; it never reads their pixels
        let sender = try StreamSender(context: context, endpoint: c.output, pattern: .push, runID: 0, streamID: c.streamID, highWaterMark: c.highWaterMark)
        self.decider = decider
        self.receiver = receiver
        self.sender = sender
        configuration = c
    }

    public var inputEndpoint: String { receiver.endpoint }
    public var outputEndpoint: String { sender.endpoint }

    public mutating func run(stop: StopFlag, progress: (TriggerStats) -> Void = { _ in }) throws -> TriggerStats {
        let clock = ContinuousClock()
        var start = clock.now, lastInput = start, lastProgress = start
        var started = false, bunchCrossing: UInt64 = 0
        sender.interrupt = stop
        sender.stallLimit = configuration.idleTimeout
        expected = configuration.upstreamStreams
        // The run ends when every worker expected, and every worker heard from, has ended it.
        while !stop.isStopped && !sender.stalled && (ended.count < expected || !heard.isSubset(of: ended.keys)) {
            guard let m = try receiver.next(timeout: .milliseconds(100)) else {
                if let idle = configuration.idleTimeout, clock.now - lastInput > idle {
                    stats.stopReason = "idle timeout"
                    break
                }
                if !ended.isEmpty, clock.now - lastInput > configuration.stragglerTimeout {
                    stats.stopReason = "straggler timeout"
                    break
                }
                continue
            }
            lastInput = clock.now
            if runID == nil, m.kind != .heartbeat {
                runID = m.runID
                stats.runID = m.runID
            }
            guard m.runID == runID || m.kind == .heartbeat else {
                stats.foreignMessages += 1
                continue
            }
            if m.kind != .heartbeat { heard.insert(m.streamID) }
            switch m.payload {
            case .runStart(let s):
                if let outputs = (try? s.configuration())?.fanOut { expected = max(expected, outputs) }
                if !started {
                    started = true
                    sender.beginRun(m.runID)
                    var upstream = (try? s.configuration()) ?? RunConfiguration()
                    upstream.upstream = s.producer
                    upstream.fanOut = nil  // the workers meet here: one stream goes on
                    try sender.sendRunStart(RunStart(producer: "trigger-filter", configuration: upstream))
                }
            case .predictions(let b):
                if stats.decisions == 0 { start = clock.now }
                let t0 = clock.now
                let d = decider.decide(b)
                let perEvent = UInt64(max((clock.now - t0).nanoseconds, 0)) / UInt64(max(b.count, 1))
                _ = latency.record(perEvent, count: UInt64(b.count))
                configuration.metrics?.sampleLatency(nanoseconds: perEvent)
                stats.kept += UInt64(d.records.count { $0.keep })
                stats.decisions += UInt64(b.count)
                bunchCrossing = max(bunchCrossing, b.bunchCrossings.last ?? 0)
                if let f = b.frames, let k = d.keptFrames {
                    if f.hasTruth { countTruth(f, d) }
                    stats.framesIn += UInt64(f.count)
                    stats.frameBytesIn += UInt64(f.count * f.bytesPerRecord)
                    stats.framesForwarded += UInt64(k.count)
                    stats.frameBytesForwarded += UInt64(k.count * k.bytesPerRecord)
                }
                try sender.send(decisions: d)
            case .endOfRun(let e):
                if ended[m.streamID] != nil { stats.foreignMessages += 1 } else { ended[m.streamID] = e }
            case .heartbeat:
                try sender.sendHeartbeat(bunchCrossing: max(bunchCrossing, m.firstBunchCrossing))
            case .frames, .decisions:
                stats.unexpectedMessages += 1
            }
            if clock.now - lastProgress > .seconds(1) {
                lastProgress = clock.now
                stats.update(latency, receiver.stats, seconds: (clock.now - start).seconds)
                takeSocketCounts()
                configuration.metrics?.publish(stats)
                progress(stats)
            }
        }
        if stats.stopReason.isEmpty { stats.stopReason = stop.isStopped ? "signal" : sender.stalled ? "output blocked for the idle timeout" : "end-of-run" }
        stats.update(latency, receiver.stats, seconds: (clock.now - start).seconds)
        // Every hop above: each stream's own losses, and what it sent that never arrived (the
        // receiver's account of that stream).
        var up = EndOfRun()
        for (stream, e) in ended {
            let arrived = receiver.accounts[StreamReceiver.StreamKey(runID: runID ?? 0, streamID: stream)]?.records ?? 0
            up.records += e.records
            up.droppedRecords += e.droppedRecords + (e.records > arrived ? e.records - arrived : 0)
            up.malformedInputs += e.malformedInputs
            up.missedInputs += e.missedInputs
        }
        stats.upstreamStreamsEnded = ended.count
        stats.upstreamStreamsExpected = expected
        // A worker that never ended its run: what came from it is decided, the rest of its
        // share is missing; each missing end-of-run is a message this stage knows it missed.
        stats.streamsWithoutEndOfRun = heard.subtracting(ended.keys).sorted().map { stream in
            TriggerStats.OpenStream(
                streamID: stream, recordsReceived: receiver.accounts[StreamReceiver.StreamKey(runID: runID ?? 0, streamID: stream)]?.records ?? 0)
        }
        let missingEndOfRuns = UInt64(stats.streamsWithoutEndOfRun.count + max(0, expected - heard.union(ended.keys).count))
        stats.missedInputs += missingEndOfRuns
        stats.upstreamRecordsSent = up.records
        stats.upstreamLosses = up.droppedRecords + up.malformedInputs + up.missedInputs
        sender.noteInput(malformed: receiver.stats.malformed + up.malformedInputs, missed: receiver.stats.missing + missingEndOfRuns + up.missedInputs)
        sender.noteDropped(up.droppedRecords)
        let (eor, delivered) = try sender.sendEndOfRun(bunchCrossing: bunchCrossing)
        stats.endOfRunDelivered = delivered
        stats.droppedDecisions = eor.droppedRecords - up.droppedRecords
        takeSocketCounts()
        configuration.metrics?.publish(stats)
        return stats
    }

    /// What the sockets counted so far: at each progress report and at the end.
    private mutating func takeSocketCounts() {
        stats.decisionRecordsSent = sender.totals.records
        stats.bytesIn = receiver.stats.bytes
        stats.bytesOut = sender.bytesSent
    }

    /// With truth in the frames: tracks truly above the policy's threshold, and how many of
    /// them were kept (the trigger efficiency).
    private mutating func countTruth(_ f: FrameBatch, _ d: DecisionBatch) {
        let threshold = Float(configuration.policy.thresholdGeV)
        for i in 0..<f.count where abs(f.truth(ofRecord: i, .pt)) > threshold {
            stats.truthAbove += 1
            if d.records[i].keep { stats.truthAboveKept += 1 }
        }
        stats.truthClusters += UInt64(f.count)
    }
}
