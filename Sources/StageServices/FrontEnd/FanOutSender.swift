import ReadoutProtocol
import ZeroMQ

/// A front end's outputs: one stream, or one per inference worker. ZeroMQ's PUSH would
/// spread a run's messages over connected workers by itself, but the run-start and the
/// end-of-run too, so only one worker would hear that the run began or ended and every
/// worker would read its siblings' messages as gaps. Each output here is a complete stream
/// instead (stream id `base + index`, its own sequence numbers, its own end-of-run totals),
/// and a frames batch goes to the next output, in turn, that takes it without waiting: a
/// slow worker gets fewer, a dead one none. Its consumers' fan-in is ZeroMQ's own.
public struct FanOutSender: ~Copyable {
    /// A sender in a box: arrays hold only copyable things.
    final class Output {
        var sender: StreamSender
        var endOfRunDelivered = false
        init(_ sender: consuming StreamSender) { self.sender = sender }
    }

    private let outputs: [Output]
    private var next = 0
    /// How long the end-of-run waits for an output's worker when there are several: one
    /// that died must not keep the front end from ending (its output then reports it).
    public var endOfRunPatience: Duration = .seconds(10)

    /// One output per endpoint, stream ids `streamID`, `streamID + 1`, ...
    public init(context: Context, endpoints: [String], pattern: StreamPattern, runID: UInt64, streamID: UInt32, highWaterMark: Int) throws {
        precondition(!endpoints.isEmpty, "a front end needs an output")
        var outputs: [Output] = []
        for (i, e) in endpoints.enumerated() {
            outputs.append(
                Output(
                    try StreamSender(
                        context: context, endpoint: e, pattern: pattern, runID: runID, streamID: streamID + UInt32(i), highWaterMark: highWaterMark)))
        }
        self.outputs = outputs
    }

    public init(_ sender: consuming StreamSender) { outputs = [Output(sender)] }

    public var count: Int { outputs.count }
    public var endpoints: [String] { outputs.map { $0.sender.endpoint } }

    /// A stop that ends blocked sends (see `StreamSender.interrupt`), on every output.
    public var interrupt: StopFlag? {
        get { outputs[0].sender.interrupt }
        set { for o in outputs { o.sender.interrupt = newValue } }
    }

    /// A wall-time limit on blocked sends (see `StreamSender.deadline`), on every output.
    public var deadline: ContinuousClock.Instant? {
        get { outputs[0].sender.deadline }
        set { for o in outputs { o.sender.deadline = newValue } }
    }

    /// Writes every message to a run file; one output only (a file is one stream).
    public func record(to writer: RunFileWriter) {
        precondition(outputs.count == 1, "a run file records one stream")
        outputs[0].sender.recorder = writer
    }

    /// A PUB output: waits up to `timeout` for a first subscriber (its subscription arrives
    /// as a message on the XPUB socket).
    public func waitForSubscriber(timeout: Duration) {
        _ = try? outputs[0].sender.socket.poll(.readable, timeout: timeout)
    }

    public func sendRunStart(_ start: RunStart) throws {
        for o in outputs { try o.sender.sendRunStart(start) }
    }

    /// Sends a batch to the next output with room, waiting for one when all are full.
    /// Returns `false` if it was dropped (a PUB at its mark, or a stop that ran out of patience).
    @discardableResult
    public mutating func send(frames: FrameBatch, bunchCrossings: UInt64) throws -> Bool {
        let n = outputs.count
        if n == 1 { return try outputs[0].sender.send(frames: frames, bunchCrossings: bunchCrossings) }
        while true {
            for k in 0..<n {
                let o = outputs[(next + k) % n]
                // One peer per output: writable now means the send below does not wait.
                if try !o.sender.socket.poll(.writable, timeout: .zero).isEmpty {
                    next = (next + k + 1) % n
                    return try o.sender.send(frames: frames, bunchCrossings: bunchCrossings)
                }
            }
            if outputs[0].sender.stopRequested {
                // Stopping: the sender's own patience decides, and counts a drop.
                defer { next = (next + 1) % n }
                return try outputs[next].sender.send(frames: frames, bunchCrossings: bunchCrossings)
            }
            _ = try poll(outputs.map { $0.sender.socket.pollItem(.writable) }, timeout: .milliseconds(50))
        }
    }

    /// Crossings covered without a message of their own (a run's empty tail), on output 0.
    public func noteBunchCrossings(_ n: UInt64) {
        outputs[0].sender.noteBunchCrossings(n)
    }

    /// Closes the run on every output. `totals` is their sum; `delivered` whether every
    /// output's end-of-run got out (see `outputTotals` for each).
    public func sendEndOfRun(bunchCrossing: UInt64) throws -> (totals: EndOfRun, delivered: Bool) {
        var sum = EndOfRun()
        for o in outputs {
            if outputs.count > 1 { o.sender.stallLimit = endOfRunPatience }
            let (t, delivered) = try o.sender.sendEndOfRun(bunchCrossing: bunchCrossing)
            o.endOfRunDelivered = delivered
            sum.messages += t.messages
            sum.records += t.records
            sum.bunchCrossings += t.bunchCrossings
            sum.droppedRecords += t.droppedRecords
        }
        return (sum, outputs.allSatisfy(\.endOfRunDelivered))
    }

    /// Each output's stream: endpoint, stream id, totals so far, and whether its end-of-run got out.
    public var outputTotals: [FrontEndStats.Output] {
        outputs.map { o in
            FrontEndStats.Output(
                endpoint: o.sender.endpoint, streamID: o.sender.streamID, messages: o.sender.totals.messages, records: o.sender.totals.records,
                droppedRecords: o.sender.totals.droppedRecords, endOfRunDelivered: o.endOfRunDelivered)
        }
    }

    public var messages: UInt64 { outputs.reduce(0) { $0 + $1.sender.totals.messages } }
    public var droppedRecords: UInt64 { outputs.reduce(0) { $0 + $1.sender.totals.droppedRecords } }
    public var bytesSent: UInt64 { outputs.reduce(0) { $0 + $1.sender.bytesSent } }
}
