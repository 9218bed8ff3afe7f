import Foundation
import Randomness
import ReadoutProtocol
import Testing
import TriggerFilter
import ZeroMQ

@testable import StageServices

@Suite struct TriggerServiceTests {
    /// Two inference workers' prediction streams, interleaved into one trigger stage: every
    /// prediction is decided exactly once, attributable to its cluster, decided as the
    /// library decides it, and the totals balance exactly.
    @Test func twoWorkersInterleavedAreDecidedCompletely() throws {
        let ctx = try Context()
        let name = UUID().uuidString
        var c = TriggerService.Configuration()
        c.input = "bind:inproc://p-\(name)"
        c.output = "connect:inproc://d-\(name)"
        c.upstreamStreams = 2
        c.idleTimeout = .seconds(30)
        c.policy = .uncertaintyAware(threshold: 0.2, confidence: 0.8)
        var decisions = try StreamReceiver(context: ctx, endpoint: "bind:inproc://d-\(name)", pattern: .push)
        let result = SharedValue<TriggerStats?>(nil)
        let config = c
        let ready = DispatchSemaphore(value: 0)
        let service = WorkerThread(name: "trigger") {
            var s = try! TriggerService(context: ctx, configuration: config)
            ready.signal()
            result.value = try! s.run(stop: StopFlag())
        }
        ready.wait()
        var rng = SplitMix64(seed: 21)
        var sent: [UInt64: [Float]] = [:]  // bunch crossing -> outputs
        var yLocal: [UInt64: Float] = [:]
        // Senders are not copyable: two of them by name.
        var w0 = try StreamSender(context: ctx, endpoint: "connect:inproc://p-\(name)", pattern: .push, runID: 9, streamID: 0)
        var w1 = try StreamSender(context: ctx, endpoint: "connect:inproc://p-\(name)", pattern: .push, runID: 9, streamID: 1)
        try w0.sendRunStart(RunStart(producer: "onpixel-infer"))
        try w1.sendRunStart(RunStart(producer: "onpixel-infer"))
        for m in 0..<20 {
            var b = PredictionBatch()
            for i in 0..<50 {
                let bx = UInt64(m * 50 + i)
                let o = (0..<14).map { j in Float(j % 2 == 1 && j < 8 ? 0.05 + 0.3 * rng.uniform() : 0.3 * rng.gaussian()) }
                let y = Float(rng.uniform() * 16 - 8)
                sent[bx] = o
                yLocal[bx] = y
                b.append(bunchCrossing: bx, frameSequence: UInt64(m + 1), recordIndex: UInt32(i), yLocal: y, xLocal: 0, outputs: o)
            }
            // Alternating: the two streams interleave.
            if m % 2 == 0 { try w0.send(predictions: b) } else { try w1.send(predictions: b) }
        }
        _ = try w0.sendEndOfRun(bunchCrossing: 1000)
        _ = try w1.sendEndOfRun(bunchCrossing: 1000)
        let decider = try TriggerDecider(policy: config.policy)
        var seen = Set<UInt64>(), wrong = 0, eor: EndOfRun?
        while let m = try decisions.next(timeout: .seconds(30)) {
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
            guard case .decisions(let d) = m.payload else { continue }
            for r in d.records {
                #expect(seen.insert(r.bunchCrossing).inserted, "decided twice: \(r.bunchCrossing)")
                let o = sent[r.bunchCrossing]!
                let e = o.withUnsafeBufferPointer { decider.estimate($0, yLocal: yLocal[r.bunchCrossing]!) }
                if r.keep != decider.policy.decide(e).keep || r.recordIndex != UInt32(r.bunchCrossing % 50) || r.frameSequence != r.bunchCrossing / 50 + 1 {
                    wrong += 1
                }
            }
        }
        service.join()
        let s = try #require(result.value)
        #expect(seen.count == 1000 && wrong == 0)
        #expect(s.decisions == 1000 && s.upstreamRecordsSent == 1000 && s.upstreamStreamsEnded == 2 && s.imbalance.isEmpty, "\(s.imbalance)")
        #expect(s.kept + UInt64((s.dataReduction * 1000).rounded()) == 1000)
        #expect(eor?.records == 1000 && eor?.losses == 0)
    }
}
