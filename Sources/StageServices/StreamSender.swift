import ReadoutProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The sending end of one stream: numbers its messages, opens the run, sends batches and
/// closes the run with totals. With `.pub` it never blocks and counts what it drops.
public struct StreamSender: ~Copyable {
    public let socket: Socket
    public let pattern: StreamPattern
    public private(set) var runID: UInt64
    public private(set) var streamID: UInt32
    /// The endpoint bound or connected (with the port a wildcard chose).
    public let endpoint: String
    public private(set) var nextSequence: UInt64 = 0
    /// Totals so far, as the end-of-run message will carry them.
    public private(set) var totals = EndOfRun()
    /// Bytes of every message handed to the socket (all parts).
    public private(set) var bytesSent: UInt64 = 0
    private let drain = Message()
    /// When set, every message sent is also written here (record and replay).
    public var recorder: RunFileWriter?
    /// After the end-of-run, how long closing the socket may wait for queued messages to
    /// leave. A socket closes with libzmq's linger; a short one would drop the end of a run
    /// that a slow consumer has not yet taken.
    public var closeLinger: Duration = .seconds(10)
    /// When set, a PUSH send blocked by back-pressure gives up once this flag is set and
    /// `stopPatience` has passed (the message is then counted as dropped): a stage asked to
    /// stop by SIGINT/SIGTERM must not wait forever for a consumer that is gone.
    public var interrupt: StopFlag?
    public var stopPatience: Duration = .seconds(1)
    /// When set, a PUSH send blocked this long gives up (counted as dropped) and `stalled`
    /// turns true: a stage with an idle timeout stops when nobody takes its output.
    public var stallLimit: Duration?
    public private(set) var stalled = false
    /// When set, a blocked PUSH send past this instant is treated as a stop (a run's
    /// `--duration` bounds wall time even when nobody takes the output).
    public var deadline: ContinuousClock.Instant?
    private var gaveUpOnStop = false

    /// - Parameters:
    ///   - endpoint: `tcp://127.0.0.1:5555`, `ipc:///tmp/x`, `inproc://x`; binds unless prefixed `connect:`.
    ///   - highWaterMark: messages queued per peer before PUSH blocks or PUB drops.
    public init(context: Context, endpoint: String, pattern: StreamPattern, runID: UInt64, streamID: UInt32 = 0, highWaterMark: Int = 1000, bind: Bool = true)
        throws
    {
        let s = try Socket(context, pattern == .push ? .push : .xpub)
        try s.setSendHighWaterMark(highWaterMark)
        if pattern == .pub { try s.setXPubNoDrop(true) }
        self.endpoint = try s.attach(endpoint, defaultBind: bind)
        self.socket = s
        self.pattern = pattern
        self.runID = runID
        self.streamID = streamID
    }

    /// Sends one message; returns `false` if a PUB had to drop it.
    @discardableResult
    private mutating func send(_ payload: StreamMessage.Payload, firstBunchCrossing: UInt64) throws -> Bool {
        let message = StreamMessage(runID: runID, streamID: streamID, sequence: nextSequence, firstBunchCrossing: firstBunchCrossing, payload: payload)
        nextSequence += 1
        if pattern == .pub {
            // Subscriptions arrive as messages on an XPUB; libzmq has applied them already.
            while try socket.receive(into: drain, dontWait: true) {}
        }
        let parts = message.encode()
        try record(parts)
        let sent = try deliver(parts)
        if sent { bytesSent += UInt64(parts.reduce(0) { $0 + $1.count }) }
        return sent
    }

    /// PUB: never waits. PUSH: waits for room, unless a stop was asked for (`interrupt` set,
    /// or `deadline` passed) and `stopPatience` has gone by since, or the send has been
    /// blocked for `stallLimit`. Once a data send gave up on a stop, later ones do not wait;
    /// the end-of-run gets its own `stopPatience`.
    private mutating func deliver(_ parts: [[UInt8]], endOfRun: Bool = false) throws -> Bool {
        if pattern == .pub { return try socket.send(multipart: parts, dontWait: true) }
        guard interrupt != nil || stallLimit != nil || deadline != nil else { return try socket.send(multipart: parts) }
        var patienceEnds: ContinuousClock.Instant?
        let stallDeadline = stallLimit.map { ContinuousClock.now + $0 }
        while true {
            if try socket.send(multipart: parts, dontWait: true) { return true }
            let now = ContinuousClock.now
            if let stallDeadline, now >= stallDeadline {
                stalled = true
                return false
            }
            if stopRequested {
                if gaveUpOnStop && !endOfRun { return false }
                if patienceEnds == nil { patienceEnds = now + stopPatience }
                if now >= patienceEnds! {
                    gaveUpOnStop = true
                    return false
                }
            }
            _ = try socket.poll(.writable, timeout: .milliseconds(50))
        }
    }

    /// A signal arrived or the wall-time deadline passed.
    public var stopRequested: Bool {
        interrupt?.isStopped == true || deadline.map { ContinuousClock.now >= $0 } == true
    }

    /// Sends a message exactly as recorded (replay): same bytes, same sequence number.
    /// Returns `false` if a PUB dropped it.
    @discardableResult
    public mutating func sendRecorded(_ parts: [[UInt8]]) throws -> Bool {
        try record(parts)
        let sent = try deliver(parts)
        if sent { bytesSent += UInt64(parts.reduce(0) { $0 + $1.count }) }
        return sent
    }

    /// The file keeps every message produced, also those a PUB then drops: a run file is the
    /// run as produced, not as one subscriber saw it.
    private func record(_ parts: [[UInt8]]) throws {
        guard let recorder else { return }
        try recorder.write(message: parts)
    }

    /// Takes another stream id if nothing has been sent yet (a stream keeps its id once it
    /// has sent); returns whether it did.
    @discardableResult
    public mutating func adoptStreamID(_ id: UInt32) -> Bool {
        guard nextSequence == 0 else { return false }
        streamID = id
        return true
    }

    /// Starts a new run on the same socket: sequence numbers and totals start again.
    public mutating func beginRun(_ runID: UInt64) {
        self.runID = runID
        nextSequence = 0
        totals = EndOfRun()
    }

    public mutating func sendRunStart(_ start: RunStart) throws {
        try send(.runStart(start), firstBunchCrossing: 0)
    }

    /// Sends a batch of frames; `bunchCrossings` is how many crossings it newly covers.
    /// Returns `false` if a PUB dropped it (the records are counted as dropped).
    @discardableResult
    public mutating func send(frames: FrameBatch, bunchCrossings: UInt64 = 0) throws -> Bool {
        try sendData(.frames(frames), records: frames.count, firstBunchCrossing: frames.bunchCrossings.first ?? 0, bunchCrossings: bunchCrossings)
    }

    @discardableResult
    public mutating func send(predictions: PredictionBatch) throws -> Bool {
        try sendData(.predictions(predictions), records: predictions.count, firstBunchCrossing: predictions.bunchCrossings.first ?? 0, bunchCrossings: 0)
    }

    @discardableResult
    public mutating func send(decisions: DecisionBatch) throws -> Bool {
        try sendData(.decisions(decisions), records: decisions.count, firstBunchCrossing: decisions.records.first?.bunchCrossing ?? 0, bunchCrossings: 0)
    }

    private mutating func sendData(_ payload: StreamMessage.Payload, records: Int, firstBunchCrossing: UInt64, bunchCrossings: UInt64) throws -> Bool {
        totals.bunchCrossings += bunchCrossings
        if try send(payload, firstBunchCrossing: firstBunchCrossing) {
            totals.messages += 1
            totals.records += UInt64(records)
            return true
        }
        totals.droppedRecords += UInt64(records)
        return false
    }

    public mutating func sendHeartbeat(bunchCrossing: UInt64) throws {
        try send(.heartbeat, firstBunchCrossing: bunchCrossing)
    }

    /// Counts crossings covered without a message of their own (a run's empty tail).
    public mutating func noteBunchCrossings(_ n: UInt64) {
        totals.bunchCrossings += n
    }

    /// Counts records this stage (or a hop above it) took in but does not pass on.
    public mutating func noteDropped(_ records: UInt64) {
        totals.droppedRecords += records
    }

    /// Adds what this stage knows about its own input to the end-of-run totals.
    public mutating func noteInput(malformed: UInt64 = 0, missed: UInt64 = 0) {
        totals.malformedInputs += malformed
        totals.missedInputs += missed
    }

    /// Closes the run and returns the totals it carried. With PUSH this blocks until a
    /// consumer takes it (or the context shuts down, or `interrupt` has been set for
    /// `stopPatience`). With PUB it is retried for up to `patience` while subscribers are
    /// full; `delivered` says whether it got out.
    public mutating func sendEndOfRun(bunchCrossing: UInt64, patience: Duration = .seconds(1)) throws -> (totals: EndOfRun, delivered: Bool) {
        let final = totals
        let message = StreamMessage(runID: runID, streamID: streamID, sequence: nextSequence, firstBunchCrossing: bunchCrossing, payload: .endOfRun(final))
        nextSequence += 1
        let parts = message.encode()
        try record(parts)
        try recorder?.finish()
        // After a stop the process must end soon: a short linger, not the run's.
        try socket.setLinger(stopRequested ? stopPatience : closeLinger)
        if pattern == .push { return (final, try deliver(parts, endOfRun: true)) }
        let deadline = ContinuousClock.now + patience
        while true {
            if try socket.send(multipart: parts, dontWait: true) { return (final, true) }
            // The same message again (same sequence number): it was never delivered.
            while try socket.receive(into: drain, dontWait: true) {}
            if ContinuousClock.now >= deadline { return (final, false) }
            sleepBriefly()
        }
    }
}

private func sleepBriefly() {
    var ts = timespec(tv_sec: 0, tv_nsec: 200_000)
    nanosleep(&ts, nil)
}
