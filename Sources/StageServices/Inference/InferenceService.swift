import Histogram
import OnPixelInference
import ReadoutProtocol
import ZeroMQ

/// The on-pixel inference stage: takes frames batches, evaluates every cluster with the
/// integer engine, and sends prediction batches that keep each cluster's bunch crossing,
/// frames sequence number and record index. Clusters the model cannot take (wrong shape,
/// slices or encoding) are counted and skipped with the reason; the stream goes on.
public struct InferenceService: ~Copyable {
    public struct Configuration: Sendable {
        public var input: String
        public var inputPattern: StreamPattern
        public var output: String
        public var outputPattern: StreamPattern
        public var highWaterMark: Int
        public var threads: Int
        /// Per-event evaluation time above which an event counts as over budget.
        public var latencyBudget: Duration
        /// The predictions' stream id; nil: the stream id of the frames served (a worker on a
        /// fanned-out front end's output k then answers as stream k).
        public var streamID: UInt32?
        /// Stop after this long without input (nil: wait for end-of-run or a stop).
        public var idleTimeout: Duration?
        /// Attach each frames batch to its predictions, so that the trigger can forward the
        /// clusters it keeps.
        public var forwardFrames = false
        /// When set, each batch takes at least this long per event (the stage sleeps out the
        /// rest): a slower processor emulated without taking CPU from the other stages, so a
        /// test can make inference the chain's bottleneck and measure how workers scale.
        public var minimumEventTime: Duration?
        /// Where the stage's numbers go live (published with each progress report and at
        /// the end; nil: nowhere).
        public var metrics: StageMetrics?

        public init(
            input: String = "tcp://127.0.0.1:5555", inputPattern: StreamPattern = .push, output: String = "tcp://127.0.0.1:5556",
            outputPattern: StreamPattern = .push,
            highWaterMark: Int = 1000, threads: Int = 1, latencyBudget: Duration = .microseconds(2), streamID: UInt32? = nil, idleTimeout: Duration? = nil
        ) {
            self.input = input
            self.inputPattern = inputPattern
            self.output = output
            self.outputPattern = outputPattern
            self.highWaterMark = highWaterMark
            self.threads = threads
            self.latencyBudget = latencyBudget
            self.streamID = streamID
            self.idleTimeout = idleTimeout
        }
    }

    public let configuration: Configuration
    public let model: QuantizedModel
    private let engine: IntegerEngine
    private let mapper: FrameInputMapper
    private var receiver: StreamReceiver
    private var sender: StreamSender
    public private(set) var stats = InferenceStats()
    private var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    private var inputs: [Int8] = []
    private var accumulators: [Int32] = []
    private var latencies: [UInt64] = []
    /// The (run, stream) this stage serves: the first seen; other streams' end-of-runs are foreign.
    private var upstream: StreamReceiver.StreamKey?
    /// The slices the frames carry, from the run-start (nil: none said).
    private var carriedSlices: [Int]?
    private var upstreamFrontEnd: FrontEndDescription?
    private var upstreamFanOut: Int?
    /// Skip reasons already logged: each is logged once, then only counted.
    private var loggedReasons: Set<String> = []
    /// Where skip reasons and other notices go (the executable sends them to stderr).
    public var log: @Sendable (String) -> Void = { _ in }

    public init(model: QuantizedModel, context: Context, configuration c: Configuration) throws {
        let engine = try IntegerEngine(model)
        var receiver = try StreamReceiver(
            context: context, endpoint: c.input, pattern: c.inputPattern, highWaterMark: c.highWaterMark, expectFromStart: c.inputPattern == .push)
        if c.forwardFrames { receiver.codeDecoding = .both }  // forwarded as received, not packed again
        let sender = try StreamSender(
            context: context, endpoint: c.output, pattern: c.outputPattern, runID: 0, streamID: c.streamID ?? 0, highWaterMark: c.highWaterMark)
        self.model = model
        self.engine = engine
        mapper = FrameInputMapper(model: model)
        configuration = c
        self.receiver = receiver
        self.sender = sender
    }

    public var inputEndpoint: String { receiver.endpoint }
    public var outputEndpoint: String { sender.endpoint }

    /// Runs until the input's end-of-run has been answered with this stage's own, `stop` is
    /// set, or the idle timeout passes (no input taken, or the output blocked, for that long).
    /// Always ends with an end-of-run carrying the totals of this hop and of every hop above.
    public mutating func run(stop: StopFlag, progress: (InferenceStats) -> Void = { _ in }) throws -> InferenceStats {
        let clock = ContinuousClock()
        var start = clock.now  // reset at the first frames: rates count working time, not waiting
        var firstFrames = true
        var lastInput = start
        var lastProgress = start
        var bunchCrossing: UInt64 = 0
        var finished = false
        // A signal or a stalled consumer must not keep a blocked send waiting forever.
        sender.interrupt = stop
        sender.stallLimit = configuration.idleTimeout
        while !finished && !stop.isStopped && !sender.stalled {
            guard let m = try receiver.next(timeout: .milliseconds(100)) else {
                if let idle = configuration.idleTimeout, clock.now - lastInput > idle {
                    stats.stopReason = "idle timeout"
                    break
                }
                continue
            }
            lastInput = clock.now
            let key = StreamReceiver.StreamKey(runID: m.runID, streamID: m.streamID)
            if upstream == nil, m.kind != .heartbeat {
                upstream = key
                stats.runID = key.runID
                if configuration.streamID == nil { sender.adoptStreamID(key.streamID) }
            }
            switch m.payload {
            case .runStart(let s):
                guard key == upstream else {
                    stats.foreignMessages += 1
                    continue
                }
                sender.beginRun(m.runID)
                readRunStart(s)
                try sender.sendRunStart(RunStart(producer: "onpixel-infer", configuration: runConfiguration(upstream: s)))
            case .frames(let b):
                if firstFrames {
                    start = clock.now
                    firstFrames = false
                }
                stats.framesMessages += 1
                try infer(b, sequence: m.sequence)
                bunchCrossing = max(bunchCrossing, b.bunchCrossings.last ?? 0)
            case .heartbeat:
                bunchCrossing = max(bunchCrossing, m.firstBunchCrossing)
                try sender.sendHeartbeat(bunchCrossing: bunchCrossing)
            case .endOfRun(let e):
                // Only the stream this stage serves ends its run; another's is foreign.
                guard key == upstream else {
                    stats.foreignEndOfRuns += 1
                    log(
                        "ignoring an end-of-run of run \(m.runID), stream \(m.streamID): this stage serves run \(upstream!.runID), stream \(upstream!.streamID)"
                    )
                    continue
                }
                stats.upstreamEndOfRun = e
                stats.upstreamRecordsSent = e.records
                finished = true
                stats.stopReason = "end-of-run"
            case .predictions, .decisions:
                stats.unexpectedMessages += 1
            }
            if clock.now - lastProgress > .seconds(1) {
                lastProgress = clock.now
                stats.update(latency, inputStats, seconds: (clock.now - start).seconds)
                takeSocketCounts()
                configuration.metrics?.publish(stats)
                progress(stats)
            }
        }
        if stop.isStopped { stats.stopReason = "signal" }
        if sender.stalled { stats.stopReason = "output blocked for the idle timeout" }
        stats.update(latency, inputStats, seconds: (clock.now - start).seconds)
        // The hops above: their losses travel down with this stage's own.
        // The receiver's account of the stream served: what arrived, and what its end-of-run says was sent.
        let account = upstream.flatMap { receiver.accounts[$0] }
        let up = stats.upstreamEndOfRun ?? EndOfRun()
        let lostInTransit = stats.upstreamEndOfRun == nil ? 0 : account?.lostRecords ?? 0
        sender.noteInput(malformed: receiver.stats.malformed + up.malformedInputs, missed: inputStats.missing + up.missedInputs)
        sender.noteDropped(up.droppedRecords + lostInTransit + stats.skippedRecords)
        let (eor, delivered) = try sender.sendEndOfRun(bunchCrossing: bunchCrossing)
        stats.endOfRunDelivered = delivered
        takeSocketCounts()
        stats.droppedPredictions = eor.droppedRecords - (up.droppedRecords + lostInTransit + stats.skippedRecords)
        stats.duplicateInputs = receiver.stats.duplicates
        stats.lastMalformedReason = receiver.stats.lastMalformedReason
        configuration.metrics?.publish(stats)
        return stats
    }

    /// What the sockets counted so far: at each progress report and at the end.
    private mutating func takeSocketCounts() {
        stats.upstreamRecordsReceived = upstream.flatMap { receiver.accounts[$0] }?.records ?? 0
        stats.predictionRecordsSent = sender.totals.records
    }

    /// Takes the slices and the input code the frames carry from their run-start, and says
    /// by name what does not fit the model.
    private mutating func readRunStart(_ s: RunStart) {
        carriedSlices = nil
        let config: RunConfiguration
        do { config = try s.configuration() } catch {
            note("the run-start of '\(s.producer)' is unreadable (\(error)); frames of 2 or 20 slices are taken as the network's own")
            return
        }
        upstreamFrontEnd = config.frontEnd
        upstreamFanOut = config.fanOut
        guard let f = config.frontEnd else {
            note("the run-start of '\(s.producer)' does not describe its frames; frames of 2 or 20 slices are taken as the network's own")
            return
        }
        carriedSlices = f.sliceIndices
        if case .failure(let e) = mapper.sliceSelection(carried: f.sliceIndices) { note("frames will be skipped: \(e)") }
        if let ours = model.flashInput, f.adc.kind == "flash", let theirs = f.adc.flashThresholdsE, theirs != ours.thresholds {
            note("the front end's flash thresholds \(theirs) e are not the model's \(ours.thresholds) e: predictions will be biased")
        }
        if f.adc.kind == "network", let theirs = f.adc.inputEncoding, let ours = model.inputEncoding, !theirs.agrees(with: ours) {
            note(
                "the front end's input code (mean \(theirs.mean), std \(theirs.std)) is not the model's (mean \(ours.mean), std \(ours.std)): predictions will be biased"
            )
        }
    }

    private mutating func note(_ warning: String) {
        stats.warnings.append(warning)
        log(warning)
    }

    /// The receiver's counts, with gaps only of the stream this stage serves (a foreign
    /// stream's sequence numbers say nothing of what this stage missed).
    private var inputStats: ReceiverStats {
        var r = receiver.stats
        if let upstream, let account = receiver.accounts[upstream] { r.missing = account.tracker.missing }
        return r
    }

    private func runConfiguration(upstream s: RunStart) -> RunConfiguration {
        let a = model.architecture
        return RunConfiguration(
            frontEnd: upstreamFrontEnd,
            model: ModelDescription(
                name: model.name, slices: a.slices, filters: a.filters, parameters: a.parameterCount, macsPerEvent: a.multiplyAccumulates,
                inputEncoding: model.inputEncoding), upstream: s.producer, fanOut: upstreamFanOut)
    }

    private mutating func infer(_ b: FrameBatch, sequence: UInt64) throws {
        let plan: FrameInputMapper.Plan
        switch mapper.plan(for: b, carried: carriedSlices) {
        case .success(let p): plan = p
        case .failure(let reason):
            stats.skippedRecords += UInt64(b.count)
            stats.lastSkipReason = reason.description
            stats.skipReasons[reason.description, default: 0] += UInt64(b.count)
            if loggedReasons.insert(reason.description).inserted {
                log("skipping frames (message \(sequence), \(b.count) records): \(reason.description)")
            }
            return
        }
        let n = b.count, width = model.architecture.inputCount
        if inputs.count < n * width { inputs = [Int8](repeating: 0, count: n * width) }
        if accumulators.count < n * 14 { accumulators = [Int32](repeating: 0, count: n * 14) }
        if latencies.count < n { latencies = [UInt64](repeating: 0, count: n) }
        inputs.withUnsafeMutableBufferPointer { x in
            for i in 0..<n { mapper.fill(b, record: i, plan: plan, into: UnsafeMutableBufferPointer(rebasing: x[(i * width)..<((i + 1) * width)])) }
        }
        let threads = configuration.threads
        let began = ContinuousClock.now
        inputs.withUnsafeBufferPointer { x in
            accumulators.withUnsafeMutableBufferPointer { o in
                latencies.withUnsafeMutableBufferPointer { l in engine.evaluateBatch(x, count: n, into: o, threads: threads, latencies: l) }
            }
        }
        let budget = UInt64(max(configuration.latencyBudget.nanoseconds, 0))
        var predictions = PredictionBatch()
        let scale = engine.outputScale
        predictions.bunchCrossings = b.bunchCrossings
        predictions.frameSequences = [UInt64](repeating: sequence, count: n)
        predictions.recordIndices = (0..<UInt32(n)).map { $0 }
        predictions.yLocal = b.yLocal
        predictions.xLocal = b.xLocal
        predictions.outputs = accumulators[0..<(n * 14)].map { Float(Double($0) * scale) }
        for i in 0..<n {
            _ = latency.record(latencies[i])
            if latencies[i] > budget { stats.overBudget += 1 }
        }
        if configuration.forwardFrames { predictions.frames = b }
        configuration.metrics?.sampleLatency(nanoseconds: latencies[0])
        if let t = configuration.minimumEventTime { pause(until: began + t * n) }
        stats.events += UInt64(n)
        try sender.send(predictions: predictions)
    }
}
