import ReadoutProtocol
import ZeroMQ

/// Streams a test-pattern run: run-start, `messages` frames batches of `batch` records (one
/// record per bunch crossing), end-of-run. Returns the totals the end-of-run carried.
public struct TestPatternProducer: Sendable {
    public var source: TestPatternSource
    public var messages: Int
    public var batch: Int
    public var runID: UInt64

    public init(source: TestPatternSource, messages: Int, batch: Int, runID: UInt64) {
        self.source = source
        self.messages = messages
        self.batch = batch
        self.runID = runID
    }

    public func runConfiguration() -> RunConfiguration {
        RunConfiguration(
            testPattern: TestPatternDescription(
                seed: source.seed, rows: source.shape.rows, columns: source.shape.columns, slices: source.shape.slices, adcBits: source.codeFormat.bits,
                signedCodes: source.codeFormat.signed, messages: messages, batch: batch))
    }

    /// Sends the run on `sender` (one or several outputs, each a complete stream; see
    /// `FanOutSender`), which must be fresh (nothing sent yet); a `stop` ends it early, still
    /// with its end-of-run.
    public func run(on sender: inout FanOutSender, stop: StopFlag = StopFlag()) throws -> (totals: EndOfRun, delivered: Bool) {
        var source = self.source
        sender.interrupt = stop
        var configuration = runConfiguration()
        if sender.count > 1 { configuration.fanOut = sender.count }
        try sender.sendRunStart(RunStart(producer: "smartpix test-stream", configuration: configuration))
        var bx: UInt64 = 0
        for _ in 0..<messages where !stop.isStopped {
            try sender.send(frames: source.batch(records: batch, firstBunchCrossing: bx), bunchCrossings: UInt64(batch))
            bx += UInt64(batch)
        }
        return try sender.sendEndOfRun(bunchCrossing: bx)
    }
}
