import Foundation
import ReadoutProtocol
import ReadoutSim
import ZeroMQ

/// The streaming front end: generates crossings on worker threads (`FrameSource`), sends
/// frames batches from this thread in crossing order, and closes the run with totals. PUSH
/// blocks when consumers are slow (nothing is lost); PUB drops at its high-water mark and
/// counts what it dropped.
public struct FrontEndService: ~Copyable {
    public struct Configuration: Sendable {
        /// One endpoint, or one per inference worker (see `FanOutSender`).
        public var endpoints = ["tcp://127.0.0.1:5555"]
        public var pattern: StreamPattern = .push
        public var highWaterMark = 1000
        /// Records per message, and the longest a record may wait in an unfilled batch, in
        /// the run's crossing time (which is wall time with `realtime`): batch boundaries then
        /// depend only on the data, so a seed gives the same messages.
        public var batch = 256
        public var flushInterval: Duration = .milliseconds(1)
        public var threads = 1
        /// Stop conditions (any that is set): crossings, clusters, wall time.
        public var maxCrossings: UInt64?
        public var maxClusters: UInt64?
        public var maxDuration: Duration?
        /// Pace to the wall clock instead of running as fast as possible: each record leaves
        /// once its crossing has happened, and a batch is sent before the front end sleeps.
        public var realtime = false
        /// The run's time zero on this process's clock (crossing 0 happens then); default: when
        /// `run` starts. A chain in one process shares it to measure latency from the crossing.
        public var origin: ContinuousClock.Instant?
        /// When set, the instant each frames message was sent, by its crossings.
        public var sendLog: SendLog?
        public var runID: UInt64 = 1
        public var streamID: UInt32 = 0
        /// Where the stage's numbers go live (published with each progress report and at
        /// the end; nil: nowhere).
        public var metrics: StageMetrics?

        public init() {}

        /// The one endpoint (the first of several).
        public var endpoint: String {
            get { endpoints[0] }
            set { endpoints = [newValue] }
        }
    }

    public let source: FrameSource
    public let configuration: Configuration
    private var sender: FanOutSender

    public init(source: FrameSource, context: Context, configuration: Configuration, record: String? = nil) throws {
        try self.init(source: source, sender: Self.outputs(context: context, configuration: configuration, record: record), configuration: configuration)
    }

    /// With outputs made beforehand (so that a bad endpoint is reported before a library is built).
    public init(source: FrameSource, sender: consuming FanOutSender, configuration: Configuration) {
        self.source = source
        self.configuration = configuration
        self.sender = sender
    }

    /// The outputs the configuration describes, recording to `record` when given (one output only).
    public static func outputs(context: Context, configuration c: Configuration, record: String?) throws -> FanOutSender {
        let outputs = try FanOutSender(
            context: context, endpoints: c.endpoints, pattern: c.pattern, runID: c.runID, streamID: c.streamID, highWaterMark: c.highWaterMark)
        if let record { outputs.record(to: try RunFileWriter(path: record)) }
        return outputs
    }

    /// The sender of a replay: one stream, recording to `record` when given.
    static func sender(context: Context, configuration c: Configuration, record: String?) throws -> StreamSender {
        var sender = try StreamSender(
            context: context, endpoint: c.endpoint, pattern: c.pattern, runID: c.runID, streamID: c.streamID, highWaterMark: c.highWaterMark)
        if let record { sender.recorder = try RunFileWriter(path: record) }
        return sender
    }

    public var endpoint: String { sender.endpoints[0] }
    public var endpoints: [String] { sender.endpoints }

    /// What the run-start says of this stream.
    public func runConfiguration() -> RunConfiguration {
        RunConfiguration(
            frontEnd: source.settings.runDescription(batch: configuration.batch),
            fanOut: configuration.endpoints.count > 1 ? configuration.endpoints.count : nil)
    }

    /// Runs until a stop condition or `stop`; always ends with an end-of-run carrying the
    /// totals. `progress` is called about twice a second.
    public mutating func run(stop: StopFlag, progress: (FrontEndStats) -> Void = { _ in }) throws -> FrontEndStats {
        let c = configuration, s = source.settings
        let chunkCrossings = UInt64(FrameSource.chunkCrossings)
        let crossingLimit = c.maxCrossings ?? UInt64.max
        let chunkLimit = c.maxCrossings.map { Int(($0 + chunkCrossings - 1) / chunkCrossings) } ?? Int.max
        var stats = FrontEndStats()
        stats.mode = s.mode.rawValue
        stats.rateHz = s.rate
        stats.occupancy = s.occupancy
        // Wall time starts before the run-start: with no consumer yet, even that send waits.
        let clock = ContinuousClock()
        let start = c.origin ?? clock.now
        sender.interrupt = stop
        sender.deadline = c.maxDuration.map { start + $0 }
        var configuration = runConfiguration()
        if c.realtime { configuration.frontEnd?.clockOriginUnixNs = UnixTime.nanoseconds(at: start, clock: clock) }
        try sender.sendRunStart(RunStart(producer: "readout-sim", configuration: configuration))
        c.metrics?.run(c.runID)

        let pipeline = ChunkPipeline(source: source, threads: c.threads, limit: chunkLimit)
        defer { pipeline.stop() }
        var lastProgress = start
        let empty = newBatch()
        var batch = empty
        var batchOpened: UInt64 = 0  // crossing time (ns) of the batch's first record
        let flushNs = UInt64(max(c.flushInterval.nanoseconds, 0))
        var covered: UInt64 = 0  // crossings already counted in sent messages
        var crossings: UInt64 = 0  // crossings simulated so far
        var index = 0
        var reason = ""

        func send(_ batch: inout FrameBatch, through crossing: UInt64, sender: inout FanOutSender) throws {
            guard batch.count > 0 else { return }
            try sender.send(frames: batch, bunchCrossings: crossing - covered)
            c.sendLog?.note(crossings: batch.bunchCrossings[0], through: batch.bunchCrossings[batch.count - 1], at: clock.now)
            covered = crossing
            batch = empty
        }

        run: while true {
            if stop.isStopped {
                reason = "signal"
                break
            }
            if let d = c.maxDuration, clock.now - start >= d {
                reason = "duration"
                break
            }
            if index * ChunkPipeline.chunksPerBlock >= chunkLimit {
                reason = "crossings"
                break
            }
            guard let chunk = pipeline.take(index, timeout: .milliseconds(5)) else { continue }
            index += 1
            /// Real time: waits until crossing time `t` has happened, sending what is batched first.
            func wait(until t: UInt64, through bx: UInt64) throws {
                let due = start + .nanoseconds(Int64(t))
                guard clock.now < due else { return }
                try send(&batch, through: bx, sender: &sender)
                while clock.now < due && !stop.isStopped { pause(until: min(due, clock.now + .microseconds(200))) }
            }
            let pixels = source.shape.pixels
            for r in 0..<chunk.count {
                let bx = chunk.bunchCrossings[r]
                if bx >= crossingLimit { break }
                let t = source.time(ofCrossing: bx)
                if c.realtime { try wait(until: t, through: bx) }
                if batch.count > 0, t - batchOpened >= flushNs { try send(&batch, through: bx, sender: &sender) }
                if batch.count == 0 { batchOpened = t }
                batch.append(
                    bunchCrossing: bx, timestamp: t, yLocal: chunk.yLocal[r], xLocal: chunk.xLocal[r],
                    codes: chunk.codes[(r * pixels)..<((r + 1) * pixels)],
                    charge: s.includeCharge ? chunk.charge[(r * pixels)..<((r + 1) * pixels)] : [],
                    truth: s.includeTruth ? chunk.truth[(r * TruthLabel.count)..<((r + 1) * TruthLabel.count)] : [])
                stats.clusters += 1
                if batch.count >= c.batch { try send(&batch, through: bx + 1, sender: &sender) }
                if let m = c.maxClusters, stats.clusters >= m {
                    crossings = bx + 1
                    reason = "clusters"
                    break run
                }
            }
            crossings = min(chunk.firstBunchCrossing + UInt64(chunk.crossings), crossingLimit)
            if c.realtime { try wait(until: source.time(ofCrossing: crossings), through: crossings) }
            if batch.count > 0, source.time(ofCrossing: crossings) - batchOpened >= flushNs { try send(&batch, through: crossings, sender: &sender) }
            if clock.now - lastProgress >= .milliseconds(500) {
                lastProgress = clock.now
                stats.bunchCrossings = crossings
                fill(&stats)
                stats.update(wall: (clock.now - start).seconds)
                c.metrics?.publish(stats)
                progress(stats)
            }
        }
        try send(&batch, through: crossings, sender: &sender)
        sender.noteBunchCrossings(crossings - covered)
        let (totals, delivered) = try sender.sendEndOfRun(bunchCrossing: crossings)
        stats.bunchCrossings = totals.bunchCrossings
        fill(&stats)
        stats.endOfRunDelivered = delivered
        if sender.count > 1 { stats.outputs = sender.outputTotals }
        stats.stopReason = reason
        stats.update(wall: (clock.now - start).seconds)
        c.metrics?.publish(stats)
        return stats
    }

    private func fill(_ stats: inout FrontEndStats) {
        stats.messages = sender.messages
        stats.bytes = sender.bytesSent
        stats.droppedRecords = sender.droppedRecords
    }

    private func newBatch() -> FrameBatch {
        let s = source.settings
        return FrameBatch(
            shape: source.shape, codeFormat: source.codeFormat, charge: s.includeCharge, truth: s.includeTruth,
            geometryID: s.simulation.sensor.geometry.typeID)
    }

    /// Streams a recorded run again, message by message, byte for byte. With `rate` (Hz),
    /// each message waits until its first crossing is due on the wall clock.
    /// With `record`, the messages sent are written to that run file as well.
    public static func replay(
        _ path: String, context: Context, configuration c: Configuration, rate: Double?, stop: StopFlag, record: String? = nil,
        progress: (FrontEndStats) -> Void = { _ in }
    ) throws -> FrontEndStats {
        // The whole file first: a malformed message is refused before anything is sent.
        let report = try RunFileReport.check(path: path)
        if let malformed = report.malformed { throw ReplayError(description: malformed) }
        let reader = try RunFileReader(path: path)
        var sender = try Self.sender(context: context, configuration: c, record: record)
        let clock = ContinuousClock()
        let start = clock.now
        sender.interrupt = stop
        sender.deadline = c.maxDuration.map { start + $0 }
        var stats = FrontEndStats()
        stats.mode = "replay"
        stats.rateHz = rate ?? 0
        var lastProgress = start
        var endOfRunSeen = false
        while true {
            let at = reader.offset
            guard let parts = try reader.next() else { break }
            if stop.isStopped {
                stats.stopReason = "signal"
                break
            }
            let message: StreamMessage
            do { message = try StreamMessage.decode(parts) } catch { throw ReplayError(description: "\(path): message at byte \(at): \(error)") }
            if let rate {
                let due = start + .nanoseconds(Int64((Double(message.firstBunchCrossing) * 1e9 / rate).rounded()))
                while clock.now < due && !stop.isStopped { pause(until: min(due, clock.now + .milliseconds(1))) }
            }
            if case .endOfRun(let e) = message.payload {
                // The end-of-run must get out: the replay's consumer may be slow.
                try sender.socket.setLinger(sender.closeLinger)
                endOfRunSeen = true
                stats.bunchCrossings = e.bunchCrossings
                stats.endOfRunDelivered = try sender.sendRecorded(parts)
            } else if try sender.sendRecorded(parts) {
                if case .frames(let b) = message.payload {
                    stats.messages += 1
                    stats.clusters += UInt64(b.count)
                }
            } else if case .frames(let b) = message.payload {
                stats.droppedRecords += UInt64(b.count)
            }
            stats.bytes = sender.bytesSent
            if clock.now - lastProgress >= .milliseconds(500) {
                lastProgress = clock.now
                stats.update(wall: (clock.now - start).seconds)
                c.metrics?.publish(stats)
                progress(stats)
            }
        }
        if stats.stopReason.isEmpty { stats.stopReason = endOfRunSeen ? "replay" : "replay (the file has no end-of-run)" }
        try sender.recorder?.finish()
        stats.warnings = report.problems
        stats.update(wall: (clock.now - start).seconds)
        c.metrics?.publish(stats)
        return stats
    }
}

/// A run file that cannot be replayed: the file, the byte offset and the reason.
public struct ReplayError: Error, CustomStringConvertible {
    public let description: String
}

/// Sleeps until `deadline` (a thread of our own, not a task: no async here).
func pause(until deadline: ContinuousClock.Instant) {
    let left = deadline - ContinuousClock.now
    guard left > .zero else { return }
    var ts = timespec(tv_sec: Int(left.components.seconds), tv_nsec: Int(left.components.attoseconds / 1_000_000_000))
    nanosleep(&ts, nil)
}
