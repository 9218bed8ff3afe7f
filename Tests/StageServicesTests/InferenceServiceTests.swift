import Foundation
import OnPixelInference
import Randomness
import ReadoutProtocol
import Testing
import ZeroMQ

@testable import StageServices

@Suite struct InferenceServiceTests {
    /// Frames in, predictions out: every cluster evaluated exactly as the engine does alone,
    /// tied to its bunch crossing and record; incompatible and malformed input counted.
    @Test func predictionsMatchTheEngineAndTotalsAddUp() throws {
        var rng = SplitMix64(seed: 5)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        let ctx = try Context()
        let config = InferenceService.Configuration(input: "inproc://frames", output: "connect:inproc://predictions", threads: 2, idleTimeout: .seconds(60))
        let stop = StopFlag()
        let result = SharedValue<InferenceStats?>(nil)
        let logged = SharedValue<[String]>([])
        // The service binds nothing on its input (it connects), so the frames side binds first.
        var frames = try StreamSender(context: ctx, endpoint: "inproc://frames", pattern: .push, runID: 77)
        var predictions = try StreamReceiver(context: ctx, endpoint: "bind:inproc://predictions", pattern: .push)
        let service = WorkerThread(name: "inference") {
            var s = try! InferenceService(model: model, context: ctx, configuration: config)
            s.log = { line in logged.value = logged.value + [line] }
            result.value = try! s.run(stop: stop)
        }
        // 20-slice signed 4-bit frames: the 2-slice model takes slices 0 and 19.
        var source = TestPatternSource(shape: FrameShape(rows: 13, columns: 21, slices: 20), codeFormat: CodeFormat(bits: 4, signed: true), seed: 9)
        var sent: [FrameBatch] = []
        try frames.sendRunStart(RunStart(producer: "test"))
        for m in 0..<6 {
            let b = source.batch(records: 25, firstBunchCrossing: UInt64(m * 25))
            sent.append(b)
            try frames.send(frames: b, bunchCrossings: 25)
        }
        // 2-bit unsigned ADC codes: the model cannot take them.
        var adc = TestPatternSource(shape: FrameShape(rows: 13, columns: 21, slices: 20), codeFormat: CodeFormat(bits: 2, signed: false), seed: 9)
        try frames.send(frames: adc.batch(records: 10, firstBunchCrossing: 1000), bunchCrossings: 10)
        try frames.socket.send(Array("garbage".utf8))
        _ = try frames.sendEndOfRun(bunchCrossing: 2000)

        let engine = try IntegerEngine(model)
        let mapper = FrameInputMapper(model: model)
        let scratch = engine.makeScratch()
        var received = 0, mismatches = 0
        var endOfRun: EndOfRun?
        while let m = try predictions.next(timeout: .seconds(60)) {
            if case .endOfRun(let e) = m.payload {
                endOfRun = e
                break
            }
            guard case .predictions(let p) = m.payload else { continue }
            for i in 0..<p.count {
                let batch = sent[Int(p.frameSequences[i]) - 1], r = Int(p.recordIndices[i])
                #expect(p.bunchCrossings[i] == batch.bunchCrossings[r])
                var input = [Int8](repeating: 0, count: model.architecture.inputCount)
                var out = [Int32](repeating: 0, count: 14)
                let plan = try mapper.plan(for: batch).get()
                input.withUnsafeMutableBufferPointer { mapper.fill(batch, record: r, plan: plan, into: $0) }
                input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { engine.evaluate(x, scratch: scratch, into: $0) } }
                if Array(p.outputs(ofRecord: i)) != out.map({ Float(Double($0) * engine.outputScale) }) { mismatches += 1 }
                received += 1
            }
        }
        service.join()
        let stats = try #require(result.value)
        #expect(received == 150 && mismatches == 0)
        #expect(stats.events == 150 && stats.skippedRecords == 10)
        #expect(stats.lastSkipReason?.contains("unsigned 2-bit codes") == true)
        let skips = logged.value.filter { $0.hasPrefix("skipping") }
        #expect(skips.count == 1 && skips[0].contains("message 7, 10 records"))
        // The run-start ("test", no front-end description) cannot say which slices the frames hold.
        #expect(stats.warnings.count == 1 && stats.warnings[0].contains("does not describe its frames"))
        #expect(stats.malformedInputs == 1)
        // The latency curve for plots: every sampled percentile, latencies never decreasing, ending at the maximum.
        #expect(stats.latencyCurve.map { $0[0] } == InferenceStats.latencyCurvePercentiles)
        #expect(zip(stats.latencyCurve, stats.latencyCurve.dropFirst()).allSatisfy { $0[1] <= $1[1] })
        #expect(stats.latencyCurve.last?[1] == Double(stats.latencyMaxNs))
        // The 10 skipped records travel down as dropped: a consumer can tell the run is not whole.
        #expect(endOfRun == EndOfRun(messages: 6, records: 150, bunchCrossings: 0, droppedRecords: 10, malformedInputs: 1, missedInputs: 0))
        #expect(stats.imbalance.contains("10 records skipped") && stats.imbalance.contains("1 malformed input messages"))
    }

    @Test func inputSlicesAndLayoutFollowTheConventions() throws {
        var rng = SplitMix64(seed: 6)
        let mapper = FrameInputMapper(model: QuantizedModel.random(.smartPixels(slices: 2), using: &rng))
        #expect(try mapper.sliceSelection(carried: Array(0..<20)).get() == [0, 19])
        #expect(try mapper.sliceSelection(carried: [0, 19]).get() == [0, 1])
        #expect(try mapper.sliceSelection(carried: [0, 4, 9, 19]).get() == [0, 3])
        // Slices 0 and 4 are not what a 2-slice network was trained on: refused by name.
        #expect(throws: ModelError.self) { try mapper.sliceSelection(carried: [0, 4]).get() }
        let mapper20 = FrameInputMapper(model: QuantizedModel.random(.smartPixels(slices: 20), using: &rng))
        #expect(throws: ModelError.self) { try mapper20.sliceSelection(carried: [0, 19]).get() }
        // One pixel set in slice 19 at row 4, column 7 lands in NHWC channel 1 of that pixel.
        var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 20), codeFormat: CodeFormat(bits: 4, signed: true))
        var codes = [Int16](repeating: 0, count: 13 * 21 * 20)
        codes[(19 * 13 + 4) * 21 + 7] = -5
        codes[(0 * 13 + 4) * 21 + 7] = 3
        b.append(bunchCrossing: 0, timestamp: 0, yLocal: 0, xLocal: 0, codes: codes)
        var input = [Int8](repeating: 0, count: 13 * 21 * 2)
        input.withUnsafeMutableBufferPointer { mapper.fill(b, record: 0, plan: try! mapper.plan(for: b).get(), into: $0) }
        #expect(input[(4 * 21 + 7) * 2 + 1] == -5 && input[(4 * 21 + 7) * 2 + 0] == 3)
        #expect(input.filter { $0 != 0 }.count == 2)
    }

    /// Runs the inference service on what `feed` sends (frames endpoint bound by the test),
    /// returning its statistics, its log and the predictions stream's end-of-run.
    func serve(model: QuantizedModel, feed: (inout StreamSender) throws -> Void) throws -> (InferenceStats, [String], EndOfRun?, Int) {
        let ctx = try Context()
        let name = UUID().uuidString
        let config = InferenceService.Configuration(input: "inproc://f-\(name)", output: "connect:inproc://p-\(name)", idleTimeout: .seconds(30))
        let result = SharedValue<InferenceStats?>(nil)
        let logged = SharedValue<[String]>([])
        var frames = try StreamSender(context: ctx, endpoint: "inproc://f-\(name)", pattern: .push, runID: 1)
        var predictions = try StreamReceiver(context: ctx, endpoint: "bind:inproc://p-\(name)", pattern: .push)
        let service = WorkerThread(name: "inference") {
            var s = try! InferenceService(model: model, context: ctx, configuration: config)
            s.log = { line in logged.value = logged.value + [line] }
            result.value = try! s.run(stop: StopFlag())
        }
        try feed(&frames)
        var endOfRun: EndOfRun?
        var records = 0
        while let m = try predictions.next(timeout: .seconds(60)) {
            records += m.recordCount
            if case .endOfRun(let e) = m.payload {
                endOfRun = e
                break
            }
        }
        service.join()
        return (try #require(result.value), logged.value, endOfRun, records)
    }

    static let codes4 = CodeFormat(bits: 4, signed: true)

    /// A foreign end-of-run mid-stream (another run id, or another stream id) is counted and
    /// ignored: the stage goes on to its own stream's end and balances.
    @Test(arguments: [(UInt64(99), UInt32(0)), (UInt64(1), UInt32(7))])
    func aForeignEndOfRunIsCountedAndIgnored(run: UInt64, stream: UInt32) throws {
        var rng = SplitMix64(seed: 8)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        let (stats, log, eor, records) = try serve(model: model) { frames in
            var source = TestPatternSource(shape: FrameShape(rows: 13, columns: 21, slices: 20), codeFormat: Self.codes4, seed: 3)
            try frames.sendRunStart(RunStart(producer: "test"))
            for m in 0..<4 { try frames.send(frames: source.batch(records: 10, firstBunchCrossing: UInt64(m * 10)), bunchCrossings: 10) }
            let foreign = StreamMessage(runID: run, streamID: stream, sequence: 5, payload: .endOfRun(EndOfRun(messages: 1, records: 1)))
            try frames.socket.send(multipart: foreign.encode())
            for m in 4..<8 { try frames.send(frames: source.batch(records: 10, firstBunchCrossing: UInt64(m * 10)), bunchCrossings: 10) }
            _ = try frames.sendEndOfRun(bunchCrossing: 80)
        }
        #expect(stats.foreignEndOfRuns == 1 && stats.events == 80 && records == 80)
        #expect(log.contains { $0.contains("ignoring an end-of-run of run \(run), stream \(stream)") })
        #expect(stats.imbalance.isEmpty, "\(stats.imbalance)")
        #expect(eor?.records == 80 && eor?.losses == 0)
    }

    /// What a hop above lost travels down: the upstream's end-of-run says it missed 2 messages
    /// and dropped 5 records; this stage's end-of-run says so too, and its run does not balance.
    @Test func upstreamLossesTravelDown() throws {
        var rng = SplitMix64(seed: 9)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        let (stats, _, eor, _) = try serve(model: model) { frames in
            var source = TestPatternSource(shape: FrameShape(rows: 13, columns: 21, slices: 20), codeFormat: Self.codes4, seed: 3)
            try frames.sendRunStart(RunStart(producer: "test"))
            try frames.send(frames: source.batch(records: 10, firstBunchCrossing: 0), bunchCrossings: 10)
            frames.noteInput(missed: 2)
            frames.noteDropped(5)
            _ = try frames.sendEndOfRun(bunchCrossing: 10)
        }
        #expect(eor?.missedInputs == 2 && eor?.droppedRecords == 5 && eor?.records == 10)
        #expect(stats.imbalance.contains { $0.contains("hops upstream lost 5 records, 2 messages missed") }, "\(stats.imbalance)")
    }

    /// A front end sending slices 0 and 4 (readout-sim --slices 0,4) is not what a 2-slice
    /// network was trained on (0 and 19): its frames are refused with the slices named, and
    /// an input code with other constants than the model's is warned about by name.
    @Test func runStartSlicesAndInputCodeAreChecked() throws {
        var rng = SplitMix64(seed: 10)
        var model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        model.inputEncoding = InputEncoding(mean: 10, std: 1)
        func frontEnd(_ slices: [Int], mean: Double) -> RunConfiguration {
            RunConfiguration(
                frontEnd: FrontEndDescription(
                    mode: "library", geometry: "type2", pitchXUm: 50, pitchYUm: 12.5, thicknessUm: 100, biasV: -100, layer: "barrel", rateHz: 4e7,
                    occupancy: 0.04, sliceIndices: slices, sliceTimesNs: slices.map(TimeSlices.timeNs(ofSlice:)), noiseE: 30, thresholdE: 400,
                    thresholdDispersionE: 20, adc: ADCDescription(kind: "network", bits: 4, signed: true, inputEncoding: InputEncoding(mean: mean, std: 1)),
                    seed: 1, batch: 10))
        }
        for (slices, mean, predicted) in [([0, 4], 10.0, 0), ([0, 19], 9.0, 10)] {
            let (stats, _, _, records) = try serve(model: model) { frames in
                var source = TestPatternSource(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: Self.codes4, seed: 3)
                try frames.sendRunStart(RunStart(producer: "readout-sim", configuration: frontEnd(slices, mean: mean)))
                try frames.send(frames: source.batch(records: 10, firstBunchCrossing: 0), bunchCrossings: 10)
                _ = try frames.sendEndOfRun(bunchCrossing: 10)
            }
            #expect(records == predicted)
            if slices == [0, 4] {
                #expect(stats.skippedRecords == 10 && stats.lastSkipReason?.contains("slices 0,4, not slice 19") == true, "\(stats.lastSkipReason ?? "")")
            } else {
                #expect(stats.warnings.contains { $0.contains("input code (mean 9.0") && $0.contains("not the model's (mean 10.0") }, "\(stats.warnings)")
            }
        }
    }
}
