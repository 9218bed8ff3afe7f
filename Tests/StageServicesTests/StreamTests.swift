import Foundation
import ReadoutProtocol
import Testing
import ZeroMQ

@testable import StageServices

@Suite struct StreamTests {
    /// A whole run over tcp and ipc: every record arrives, and the totals prove it.
    @Test(arguments: ["tcp://127.0.0.1:*", "ipc:///tmp/smartpix-stream-\(getpid()).ipc"])
    func boundedRunIsReceivedCompletely(endpoint: String) throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: endpoint, pattern: .push, bind: true)
        let bound = receiver.endpoint
        let producer = WorkerThread(name: "producer") {
            var s = try! StreamSender(context: ctx, endpoint: bound, pattern: .push, runID: 7, bind: false)
            try! s.sendRunStart(RunStart(producer: "test"))
            for m in 0..<200 { try! s.send(frames: testFrames(first: UInt64(m * 10), count: 10), bunchCrossings: 10) }
            _ = try! s.sendEndOfRun(bunchCrossing: 2000)
        }
        var records = 0
        while let m = try receiver.next(timeout: .seconds(60)) {
            records += m.recordCount
            if case .endOfRun = m.payload { break }
        }
        producer.join()
        let account = try #require(receiver.accounts[.init(runID: 7, streamID: 0)])
        #expect(records == 2000)
        #expect(account.endOfRun == EndOfRun(messages: 200, records: 2000, bunchCrossings: 2000))
        #expect(account.lostRecords == 0 && account.tracker.missing == 0)
        #expect(receiver.stats.malformed == 0)
    }

    /// A consumer that dies mid-stream loses what was queued for it; its replacement sees the
    /// gap, and every message is accounted for: received by one of them or reported missing.
    @Test func restartedConsumerCountsTheGapExactly() throws {
        let ctx = try Context()
        let total = 400
        let (producer, bound) = startProducer { (ready: (String) -> Void) in
            // inproc: what is in flight is bounded by the high-water marks alone (tcp would
            // also park hundreds of small messages in kernel buffers, all lost with the consumer).
            var s = try! StreamSender(context: ctx, endpoint: "inproc://restart", pattern: .push, runID: 1, highWaterMark: 20, bind: true)
            ready(s.endpoint)
            try! s.sendRunStart(RunStart(producer: "test"))
            for m in 0..<total { try! s.send(frames: testFrames(first: UInt64(m), count: 1)) }
            _ = try! s.sendEndOfRun(bunchCrossing: UInt64(total))
        }
        var firstSeen: Set<UInt64> = []
        do {
            var first = try StreamReceiver(context: ctx, endpoint: bound, pattern: .push, highWaterMark: 20)
            while firstSeen.count < 50, let m = try first.next(timeout: .seconds(60)) { firstSeen.insert(m.sequence) }
            Thread.sleep(forTimeInterval: 0.1)  // let its queue fill: those messages die with it
        }
        var second = try StreamReceiver(context: ctx, endpoint: bound, pattern: .push)
        var secondSeen: Set<UInt64> = []
        while let m = try second.next(timeout: .seconds(60)) {
            secondSeen.insert(m.sequence)
            if case .endOfRun = m.payload { break }
        }
        producer.join()
        let account = try #require(second.accounts[.init(runID: 1, streamID: 0)])
        let missing = Set(account.tracker.gaps.flatMap { Array($0) })
        let all = Set(0...UInt64(total + 1))
        #expect(firstSeen.isDisjoint(with: secondSeen))
        #expect(missing.isDisjoint(with: secondSeen))
        #expect(firstSeen.union(secondSeen).union(missing) == all, "a message was neither received nor reported missing")
        #expect(firstSeen.isSubset(of: missing))
        #expect(missing.count > firstSeen.count, "the dead consumer's queued messages should show as lost")
        // One record per data message: the end-of-run totals and the sequence gaps agree.
        #expect(account.lostRecords == UInt64(missing.subtracting([0]).count))
    }

    /// A consumer that starts late on a PUSH stream loses nothing: the sender waits for it.
    @Test func lateConsumerOnPushLosesNothing() throws {
        let ctx = try Context()
        let (producer, bound) = startProducer { (ready: (String) -> Void) in
            var s = try! StreamSender(context: ctx, endpoint: "tcp://127.0.0.1:*", pattern: .push, runID: 2, bind: true)
            ready(s.endpoint)
            try! s.sendRunStart(RunStart(producer: "test"))
            for m in 0..<100 { try! s.send(frames: testFrames(first: UInt64(m), count: 1)) }
            _ = try! s.sendEndOfRun(bunchCrossing: 100)
        }
        Thread.sleep(forTimeInterval: 0.2)
        var receiver = try StreamReceiver(context: ctx, endpoint: bound, pattern: .push)
        while let m = try receiver.next(timeout: .seconds(60)) { if case .endOfRun = m.payload { break } }
        producer.join()
        #expect(receiver.stats.missing == 0 && receiver.stats.records == 100)
    }

    /// A subscriber that cannot keep up: the publisher drops at a tiny high-water mark and
    /// counts it, and the subscriber's sequence gaps match the publisher's count exactly.
    @Test func pubSubDropsAreCountedNotSilent() throws {
        let ctx = try Context()
        // inproc, so that no kernel buffer hides the high-water mark.
        var sub = try StreamReceiver(context: ctx, endpoint: "bind:inproc://tap", pattern: .pub, highWaterMark: 2)
        let bound = sub.endpoint
        let publisherTotals = SharedValue<EndOfRun?>(nil)
        let publisher = WorkerThread(name: "publisher") {
            var p = try! StreamSender(context: ctx, endpoint: bound, pattern: .pub, runID: 3, highWaterMark: 2, bind: false)
            // Wait for the subscription before the run starts, so the only losses are drops.
            while try! p.socket.poll(.readable, timeout: .seconds(60)).isEmpty {}
            try! p.sendRunStart(RunStart(producer: "tap"))
            for m in 0..<3000 { try! p.send(frames: testFrames(first: UInt64(m), count: 1)) }
            let (e, delivered) = try! p.sendEndOfRun(bunchCrossing: 3000, patience: .seconds(60))
            publisherTotals.value = delivered ? e : nil
        }
        // The subscriber's own calls attach it (libzmq works on a socket's commands inside
        // its calls), so go straight to receiving.
        var endSeen = false
        while !endSeen, let m = try sub.next(timeout: .seconds(30)) {
            if case .endOfRun = m.payload { endSeen = true }
            if sub.stats.messages % 50 == 0 { Thread.sleep(forTimeInterval: 0.002) }  // a slow consumer
        }
        publisher.join()
        let totals = try #require(publisherTotals.value)
        #expect(endSeen)
        #expect(totals.droppedRecords > 0, "a 2-message high-water mark should overflow")
        #expect(totals.records + totals.droppedRecords == 3000)
        #expect(sub.stats.records == totals.records, "subscriber got exactly what was not dropped")
        #expect(sub.stats.missing == totals.droppedRecords, "each dropped message is a sequence gap")
    }

    /// Garbage on a live socket is counted and skipped; the stream goes on.
    @Test func malformedMessagesAreCountedAndSkipped() throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: "bind:inproc://malformed", pattern: .push)
        let raw = try Socket(ctx, .push)
        try raw.connect("inproc://malformed")
        try raw.send(multipart: StreamMessage(runID: 9, sequence: 0, payload: .runStart(RunStart(producer: "x"))).encode())
        try raw.send(Array("not a message".utf8))
        var good = StreamMessage(runID: 9, sequence: 1, payload: .frames(testFrames(first: 0, count: 2))).encode()
        good[0][0] = 0  // wrong magic
        try raw.send(multipart: good)
        try raw.send(multipart: StreamMessage(runID: 9, sequence: 1, payload: .frames(testFrames(first: 0, count: 2))).encode())
        #expect(try receiver.next(timeout: .seconds(30))?.kind == .runStart)
        #expect(try receiver.next(timeout: .seconds(30))?.recordCount == 2)
        #expect(receiver.stats.malformed == 2)
        #expect(receiver.stats.lastMalformedReason?.contains("wrong magic") == true)
        #expect(try receiver.next(timeout: .milliseconds(20)) == nil)
    }
}
