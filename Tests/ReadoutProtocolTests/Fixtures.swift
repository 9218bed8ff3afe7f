import Randomness
import ReadoutProtocol

/// A frames batch with random contents for the given shape and encoding.
func randomFrames(_ rng: inout SplitMix64, shape: FrameShape, format: CodeFormat?, records: Int, charge: Bool, truth: Bool) -> FrameBatch {
    var b = FrameBatch(shape: shape, codeFormat: format, charge: charge, truth: truth, geometryID: UInt8.random(in: 0...7, using: &rng))
    var bx = UInt64.random(in: 0...1_000_000, using: &rng)
    for _ in 0..<records {
        bx += UInt64.random(in: 0...3, using: &rng)
        let codes = format.map { f in (0..<shape.pixels).map { _ in Int16(Int.random(in: f.range, using: &rng)) } } ?? []
        let q = charge ? (0..<shape.pixels).map { _ in Float.random(in: -700...30_000, using: &rng) } : []
        let t = truth ? (0..<TruthLabel.count).map { _ in Float.random(in: -10...10, using: &rng) } : []
        b.append(
            bunchCrossing: bx, timestamp: UInt64.random(in: 0...UInt64.max, using: &rng),
            yLocal: Float.random(in: -8.1...8.1, using: &rng), xLocal: Float.random(in: -30...30, using: &rng),
            codes: codes, charge: q, truth: t)
    }
    return b
}

func framesMessage(_ b: FrameBatch, sequence: UInt64 = 1) -> StreamMessage {
    StreamMessage(runID: 42, sequence: sequence, firstBunchCrossing: b.bunchCrossings.first ?? 0, payload: .frames(b))
}

/// One valid message of every kind, for round trips and mutation fuzzing.
func sampleMessages(_ rng: inout SplitMix64) -> [StreamMessage] {
    var predictions = PredictionBatch()
    for i in 0..<5 {
        predictions.append(
            bunchCrossing: UInt64(100 + i), frameSequence: 7, recordIndex: UInt32(i), yLocal: 1.5, xLocal: -2,
            outputs: (0..<14).map { Float($0) * 0.25 - Float(i) })
    }
    let decisions = DecisionBatch(
        records: (0..<4).map {
            .init(bunchCrossing: UInt64($0), frameSequence: 3, recordIndex: UInt32($0), keep: $0 % 2 == 0, pt: 1.5, ptSigma: 0.2, score: 0.9)
        })
    // The same with their frames attached: all for predictions, the kept ones for decisions.
    var withFrames = predictions
    var frames = randomFrames(
        &rng, shape: FrameShape(rows: 13, columns: 21, slices: 2), format: CodeFormat(bits: 4, signed: true), records: 5, charge: false, truth: true)
    frames.bunchCrossings = predictions.bunchCrossings
    withFrames.frames = frames
    var keptWithFrames = decisions
    var kept = randomFrames(&rng, shape: FrameShape(rows: 3, columns: 2, slices: 1), format: nil, records: 2, charge: true, truth: false)
    kept.bunchCrossings = decisions.records.filter(\.keep).map(\.bunchCrossing)
    keptWithFrames.keptFrames = kept
    return [
        StreamMessage(runID: 42, sequence: 0, payload: .runStart(RunStart(producer: "test", configurationJSON: #"{"geometry":"type2","rate_hz":4e7}"#))),
        framesMessage(
            randomFrames(
                &rng, shape: FrameShape(rows: 13, columns: 21, slices: 2), format: CodeFormat(bits: 4, signed: true), records: 3, charge: true, truth: true)),
        framesMessage(
            randomFrames(
                &rng, shape: FrameShape(rows: 13, columns: 21, slices: 20), format: CodeFormat(bits: 2, signed: false), records: 2, charge: false, truth: false)
        ),
        StreamMessage(runID: 42, streamID: 3, sequence: 3, firstBunchCrossing: 100, payload: .predictions(predictions)),
        StreamMessage(runID: 42, sequence: 4, payload: .decisions(decisions)),
        StreamMessage(runID: 42, sequence: 5, firstBunchCrossing: 999, payload: .heartbeat),
        StreamMessage(
            runID: 42, sequence: 6, firstBunchCrossing: 1000,
            payload: .endOfRun(EndOfRun(messages: 4, records: 14, bunchCrossings: 1000, droppedRecords: 1, malformedInputs: 2, missedInputs: 3))),
        StreamMessage(runID: 42, sequence: 7, firstBunchCrossing: 100, payload: .predictions(withFrames)),
        StreamMessage(runID: 42, sequence: 8, payload: .decisions(keptWithFrames)),
    ]
}
