import ReadoutProtocol
import Testing

@testable import StageServices

/// The chain's consumer on decisions whose arrival times are given: latency from each
/// crossing's moment, windows, and the last window ending at its last decision.
@Suite struct ChainConsumerTests {
    let origin = ContinuousClock.now

    /// Decisions for `crossings`, arriving `after` the origin.
    func message(_ crossings: [UInt64], keep: Bool = true) -> StreamMessage {
        let records = crossings.map {
            DecisionBatch.Record(bunchCrossing: $0, frameSequence: 0, recordIndex: 0, keep: keep, pt: 1, ptSigma: 0.1, score: 1)
        }
        return StreamMessage(runID: 1, sequence: 0, payload: .decisions(DecisionBatch(records: records)))
    }

    @Test func latencyCountsFromTheCrossingAndTheLastWindowEndsAtItsLastDecision() {
        // 40 MHz: crossing n happens at 25 n ns.
        var c = ChainConsumer(
            origin: origin, rateHz: 40e6, fromCrossing: true, sendLog: nil, window: .milliseconds(10), metrics: nil, memory: { ["a": 7, "b": 5] })
        var windows: [ChainWindow] = []
        // Crossing 40,000 (1 ms) decided at 1.2 ms; crossing 400,000 (10 ms) at 10.5 ms: that
        // closes the first window. Then crossing 440,000 (11 ms) at 11.3 ms, and the run ends
        // 50 ms later (the end-of-run's arrival closes nothing).
        c.take(message([40_000]), at: origin + .microseconds(1200)) { windows.append($0) }
        c.take(message([400_000], keep: false), at: origin + .microseconds(10_500)) { windows.append($0) }
        c.take(message([440_000]), at: origin + .microseconds(11_300)) { windows.append($0) }
        c.take(StreamMessage(runID: 1, sequence: 1, payload: .endOfRun(EndOfRun())), at: origin + .milliseconds(61)) { windows.append($0) }
        #expect(windows.count == 1)
        c.finish { windows.append($0) }
        #expect(windows.count == 2 && c.received == 3 && c.kept == 2)
        #expect(windows.map(\.decided) == [2, 1])
        #expect(abs(windows[0].lagUs - 500) < 0.01 && abs(windows[0].seconds - 0.0105) < 1e-9)
        // The last window: from 10.5 ms to its decision at 11.3 ms, not to the end-of-run.
        #expect(abs(windows[1].seconds - 0.0113) < 1e-9 && abs(windows[1].lagUs - 300) < 0.01)
        #expect(abs(windows[1].decisionsPerS - 1 / 0.0008) < 1e-6)
        #expect(windows[1].residentBytesByProcess == ["a": 7, "b": 5] && windows[1].residentBytes == 12)
        // Latencies 200, 500 and 300 us (HDR histogram: 3 significant digits).
        #expect(c.total.totalCount == 3)
        #expect(abs(Double(c.total.max) / 1000 - 500) < 0.5 && abs(Double(c.total.min) / 1000 - 200) < 0.2)
    }

    @Test func nothingIsTimedUntilTheOriginIsKnown() {
        // Across processes the origin comes with the front end's run-start.
        var c = ChainConsumer(origin: nil, rateHz: nil, fromCrossing: true, sendLog: nil, window: .seconds(1), metrics: nil, memory: { nil })
        c.take(message([1, 2]), at: origin) { _ in }
        #expect(c.received == 2 && c.total.totalCount == 0)
        c.origin = origin
        c.rateHz = 40e6
        c.take(message([40]), at: origin + .microseconds(3)) { _ in }
        #expect(c.received == 3 && c.total.totalCount == 1 && abs(Double(c.total.max) - 2000) < 2)
    }
}
