import Foundation
import ReadoutProtocol
import Testing
import TriggerFilter
import ZeroMQ

@testable import StageServices

/// A front end spread over several inference workers: each output a complete stream, a full
/// or dead output passed over, and a trigger that waits for every worker and says which
/// one's share is missing.
@Suite struct FanOutTests {
    /// Output 0 is read as it fills, output 1 (a two-message queue) is not read until the
    /// end: the batches that do not fit there go to output 0 without waiting, and each output
    /// is still a whole stream (run-start, gapless sequence, end-of-run totals equal to what
    /// arrived), with all the records between them.
    @Test func eachOutputIsACompleteStreamAndAFullOneIsPassedOver() throws {
        let ctx = try Context()
        let id = UUID().uuidString
        var fast = try StreamReceiver(context: ctx, endpoint: "bind:inproc://fo0-\(id)", pattern: .push, highWaterMark: 2)
        var slow = try StreamReceiver(context: ctx, endpoint: "bind:inproc://fo1-\(id)", pattern: .push, highWaterMark: 2)
        var out = try FanOutSender(
            context: ctx, endpoints: ["connect:inproc://fo0-\(id)", "connect:inproc://fo1-\(id)"], pattern: .push, runID: 7, streamID: 10, highWaterMark: 2)
        try out.sendRunStart(RunStart(producer: "test"))
        var records = [UInt64](repeating: 0, count: 2), messages = [UInt64](repeating: 0, count: 2)
        var eors: [UInt32: EndOfRun] = [:]
        func take(_ r: inout StreamReceiver, _ i: Int, until end: Bool = false) throws {
            while let m = try r.next(timeout: .milliseconds(end ? 2000 : 1)) {
                #expect(m.streamID == 10 + UInt32(i) && m.runID == 7)
                if case .frames(let b) = m.payload {
                    records[i] += UInt64(b.count)
                    messages[i] += 1
                }
                if case .endOfRun(let e) = m.payload {
                    eors[m.streamID] = e
                    return
                }
            }
        }
        for k in 0..<100 {
            try out.send(frames: testFrames(first: UInt64(k * 5), count: 5), bunchCrossings: 5)
            try take(&fast, 0)
        }
        try take(&slow, 1)
        let (totals, delivered) = try out.sendEndOfRun(bunchCrossing: 500)
        try take(&fast, 0, until: true)
        try take(&slow, 1, until: true)
        #expect(delivered && totals.records == 500 && totals.messages == 100 && totals.bunchCrossings == 500)
        #expect(records[0] + records[1] == 500 && messages[1] < 10, "output 1 (never read during the run) took \(messages[1]) of 100 batches")
        for i in 0..<2 {
            let e = try #require(eors[10 + UInt32(i)], "no end-of-run on output \(i)")
            #expect(e.records == records[i] && e.messages == messages[i])
        }
        for key in fast.accounts.keys { #expect(fast.accounts[key]!.tracker.missing == 0) }
        for key in slow.accounts.keys { #expect(slow.accounts[key]!.tracker.missing == 0) }
        #expect(out.outputTotals.map(\.records) == records && out.outputTotals.allSatisfy(\.endOfRunDelivered))
    }

    /// An output whose consumer is gone (bound, nobody connected) takes nothing; its
    /// end-of-run gives up after the patience and is reported undelivered, while the
    /// live output carries the whole run.
    @Test func anOutputWithoutItsConsumerGetsNothingAndSaysSo() throws {
        let ctx = try Context()
        let id = UUID().uuidString
        var live = try StreamReceiver(context: ctx, endpoint: "bind:inproc://live-\(id)", pattern: .push)
        var out = try FanOutSender(
            context: ctx, endpoints: ["connect:inproc://live-\(id)", "bind:inproc://nobody-\(id)"], pattern: .push, runID: 1, streamID: 0, highWaterMark: 1000)
        out.endOfRunPatience = .milliseconds(200)
        // The run-start goes to every output: the missing consumer would block it, so only
        // data and end-of-run here (a front end's run-start waits for every worker).
        for k in 0..<20 { try out.send(frames: testFrames(first: UInt64(k * 3), count: 3), bunchCrossings: 3) }
        let (totals, delivered) = try out.sendEndOfRun(bunchCrossing: 60)
        var received: UInt64 = 0
        while let m = try live.next(timeout: .seconds(5)) {
            if case .frames(let b) = m.payload { received += UInt64(b.count) }
            if case .endOfRun = m.payload { break }
        }
        #expect(received == 60 && totals.records == 60 && !delivered)
        #expect(out.outputTotals.map(\.records) == [60, 0] && out.outputTotals.map(\.endOfRunDelivered) == [true, false])
    }

    /// The send log finds a message's send time by any crossing it holds, across outputs.
    @Test func theSendLogFindsMessagesByCrossing() {
        let origin = ContinuousClock.now
        let log = SendLog(capacity: 4, origin: origin)
        for k in 0..<6 { log.note(crossings: UInt64(10 * k), through: UInt64(10 * k + 4), at: origin + .microseconds(k)) }
        #expect(log.sent(crossing: 52) == origin + .microseconds(5))
        #expect(log.sent(crossing: 20) == origin + .microseconds(2))
        #expect(log.sent(crossing: 24) == origin + .microseconds(2))
        #expect(log.sent(crossing: 25) == nil)  // between messages
        #expect(log.sent(crossing: 10) == nil)  // overwritten: the ring holds the last 4
        #expect(log.sent(crossing: 99) == nil)
    }

    /// The trigger learns from the run-start that the front end fans out over two outputs,
    /// and waits for both workers even when told of one. When one falls silent without its
    /// end-of-run, the run ends after the straggler timeout, with that worker's share named
    /// missing and counted in the end-of-run downstream.
    @Test(arguments: [false, true])
    func theTriggerWaitsForEveryWorkerAndNamesASilentOne(silent: Bool) throws {
        let trigger = try TriggerUnderTest { c in
            c.upstreamStreams = 1
            c.stragglerTimeout = .milliseconds(500)
        }
        let ctx = trigger.context
        var w0 = try StreamSender(context: ctx, endpoint: trigger.input, pattern: .push, runID: 3, streamID: 0)
        var w1 = try StreamSender(context: ctx, endpoint: trigger.input, pattern: .push, runID: 3, streamID: 1)
        let start = RunStart(producer: "onpixel-infer", configuration: RunConfiguration(fanOut: 2))
        try w0.sendRunStart(start)
        try w1.sendRunStart(start)
        func batch(_ m: Int) -> PredictionBatch {
            var b = PredictionBatch()
            for i in 0..<10 {
                b.append(
                    bunchCrossing: UInt64(m * 10 + i), frameSequence: UInt64(m + 1), recordIndex: UInt32(i), yLocal: 5, xLocal: 0,
                    outputs: [Float](repeating: 0.1, count: 14))
            }
            return b
        }
        for m in 0..<6 { if m % 2 == 0 { try w0.send(predictions: batch(m)) } else { try w1.send(predictions: batch(m)) } }
        _ = try w0.sendEndOfRun(bunchCrossing: 60)
        // Worker 1 ends late, or never: the trigger must not end at worker 0's end-of-run.
        Thread.sleep(forTimeInterval: 0.2)
        try w1.send(predictions: batch(7))
        if !silent { _ = try w1.sendEndOfRun(bunchCrossing: 80) }
        var received: UInt64 = 0, eor: EndOfRun?
        while let m = try trigger.decisions.next(timeout: .seconds(30)) {
            if case .decisions(let d) = m.payload { received += UInt64(d.count) }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        let s = try #require(trigger.finish())
        let e = try #require(eor)
        #expect(s.decisions == 70 && received == 70 && s.upstreamStreamsExpected == 2)
        if silent {
            #expect(s.stopReason == "straggler timeout" && s.upstreamStreamsEnded == 1)
            #expect(s.streamsWithoutEndOfRun == [TriggerStats.OpenStream(streamID: 1, recordsReceived: 40)])
            #expect(s.imbalance.contains { $0.contains("worker stream 1 fell silent") }, "\(s.imbalance)")
            #expect(e.missedInputs == 1, "the missing end-of-run travels down as a missed message")
        } else {
            #expect(s.stopReason == "end-of-run" && s.upstreamStreamsEnded == 2 && s.imbalance.isEmpty, "\(s.imbalance)")
            #expect(e.records == 70 && e.losses == 0)
        }
    }
}
