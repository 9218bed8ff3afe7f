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
        let trigger = try TriggerUnderTest { c in
            c.upstreamStreams = 2
            c.policy = .uncertaintyAware(threshold: 0.2, confidence: 0.8)
        }
        let ctx = trigger.context
        var rng = SplitMix64(seed: 21)
        var sent: [UInt64: [Float]] = [:]  // bunch crossing -> outputs
        var yLocal: [UInt64: Float] = [:]
        // Senders are not copyable: two of them by name.
        var w0 = try StreamSender(context: ctx, endpoint: trigger.input, pattern: .push, runID: 9, streamID: 0)
        var w1 = try StreamSender(context: ctx, endpoint: trigger.input, pattern: .push, runID: 9, streamID: 1)
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
        let decider = try TriggerDecider(policy: trigger.configuration.policy)
        var seen = Set<UInt64>(), wrong = 0, eor: EndOfRun?
        while let m = try trigger.decisions.next(timeout: .seconds(30)) {
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
        let s = try #require(trigger.finish())
        #expect(seen.count == 1000 && wrong == 0)
        #expect(s.decisions == 1000 && s.upstreamRecordsSent == 1000 && s.upstreamStreamsEnded == 2 && s.imbalance.isEmpty, "\(s.imbalance)")
        #expect(s.kept + UInt64((s.dataReduction * 1000).rounded()) == 1000)
        #expect(eor?.records == 1000 && eor?.losses == 0)
    }

    /// Predictions that carry their frames: the decisions carry exactly the kept ones, and
    /// the byte reduction is the cluster reduction (every frame has the same size).
    @Test func keptFramesAreForwardedWithTheirDecisions() throws {
        let trigger = try TriggerUnderTest { c in
            c.policy = .pointCut(threshold: 0.5)
        }
        let ctx = trigger.context
        var rng = SplitMix64(seed: 5)
        var w = try StreamSender(context: ctx, endpoint: trigger.input, pattern: .push, runID: 3)
        try w.sendRunStart(RunStart(producer: "onpixel-infer"))
        let shape = FrameShape(rows: 13, columns: 21, slices: 2)
        for m in 0..<5 {
            var b = PredictionBatch()
            var f = FrameBatch(shape: shape, codeFormat: CodeFormat(bits: 4, signed: true), truth: true)
            for i in 0..<40 {
                let bx = UInt64(m * 40 + i)
                // cotBeta spread so that some clusters pass 0.5 GeV and some do not.
                var o = [Float](repeating: 0.1, count: 14)
                o[6] = Float(rng.gaussian() * 0.2)
                b.append(bunchCrossing: bx, frameSequence: UInt64(m + 1), recordIndex: UInt32(i), yLocal: 0, xLocal: 0, outputs: o)
                f.append(
                    bunchCrossing: bx, timestamp: bx * 25, yLocal: 0, xLocal: 0, codes: (0..<shape.pixels).map { Int16(($0 + i) % 16 - 8) },
                    truth: (0..<TruthLabel.count).map { Float($0) + Float(bx) })
            }
            b.frames = f
            try w.send(predictions: b)
        }
        _ = try w.sendEndOfRun(bunchCrossing: 200)
        var kept = 0, mismatched = 0
        while let m = try trigger.decisions.next(timeout: .seconds(30)) {
            if case .endOfRun = m.payload { break }
            guard case .decisions(let d) = m.payload, let k = d.keptFrames else { continue }
            let keptRecords = d.records.filter(\.keep)
            kept += keptRecords.count
            for (j, r) in keptRecords.enumerated() {
                let i = Int(r.recordIndex)
                if k.bunchCrossings[j] != r.bunchCrossing || Array(k.codes(ofRecord: j)) != (0..<shape.pixels).map({ Int16(($0 + i) % 16 - 8) })
                    || k.truth(ofRecord: j, .pt) != 8 + Float(r.bunchCrossing)
                {
                    mismatched += 1
                }
            }
        }
        let s = try #require(trigger.finish())
        #expect(kept > 20 && kept < 180 && mismatched == 0)
        #expect(s.framesIn == 200 && s.framesForwarded == UInt64(kept) && s.imbalance.isEmpty, "\(s.imbalance)")
        let perRecord = UInt64(32 + 273 + 4 * TruthLabel.count)
        #expect(s.frameBytesIn == 200 * perRecord && s.frameBytesForwarded == UInt64(kept) * perRecord)
        #expect(abs(s.byteReduction - s.dataReduction) < 1e-12)
    }
}
