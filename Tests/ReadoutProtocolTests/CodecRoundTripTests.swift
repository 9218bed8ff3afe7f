import Randomness
import Testing

@testable import ReadoutProtocol

@Suite struct CodecRoundTripTests {
    @Test func everyKindRoundTrips() throws {
        var rng = SplitMix64(seed: 1)
        for message in sampleMessages(&rng) {
            let parts = message.encode()
            #expect(parts[0].count == MessageHeader.size)
            let decoded = try StreamMessage.decode(parts)
            #expect(decoded == message, "\(message.kind) did not survive a round trip")
        }
    }

    @Test func randomShapesAndEncodingsRoundTrip() throws {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<400 {
            let shape = FrameShape(
                rows: Int.random(in: 1...20, using: &rng), columns: Int.random(in: 1...25, using: &rng), slices: Int.random(in: 1...20, using: &rng))
            let format: CodeFormat? =
                Bool.random(using: &rng) ? nil : CodeFormat(bits: [2, 4, 8].randomElement(using: &rng)!, signed: Bool.random(using: &rng))
            let charge = format == nil || Bool.random(using: &rng)
            let batch = randomFrames(
                &rng, shape: shape, format: format, records: Int.random(in: 0...6, using: &rng), charge: charge, truth: Bool.random(using: &rng))
            let message = framesMessage(batch, sequence: UInt64.random(in: 0...UInt64.max, using: &rng))
            let parts = message.encode()
            #expect(parts.count == 2 + (format == nil ? 0 : 1) + (charge ? 1 : 0) + (batch.hasTruth ? 1 : 0))
            if let format {
                #expect(parts[2].count == batch.count * ((shape.pixels * format.bits + 7) / 8))
            }
            #expect(try StreamMessage.decode(parts) == message)
        }
    }

    /// Attached frames must belong record by record to the predictions or kept decisions
    /// they follow: a frame of another crossing, or one kept record too many, is refused.
    @Test func attachedFramesMustMatchTheirRecords() throws {
        var rng = SplitMix64(seed: 4)
        let messages = sampleMessages(&rng).filter {
            if case .predictions(let p) = $0.payload { return p.frames != nil }
            if case .decisions(let d) = $0.payload { return d.keptFrames != nil }
            return false
        }
        #expect(messages.count == 2)
        for m in messages {
            var parts = m.encode()
            #expect(parts[0][36] & 8 == 8, "attached-frames flag (bit 3) set")
            parts[2][0] ^= 1  // first attached frame's bunch crossing
            #expect(throws: DecodeError.self) { try StreamMessage.decode(parts) }
        }
        guard case .decisions(var d) = messages[1].payload else { return }
        d.records[1].keep = true  // one more kept record than frames attached
        var parts = messages[1].encode()
        parts[1] = StreamMessage(runID: 42, sequence: 8, payload: .decisions(DecisionBatch(records: d.records))).encode()[1]
        #expect(throws: DecodeError.self) { try StreamMessage.decode(parts) }
    }

    /// A stage that only forwards frames keeps their codes packed: re-encoding (whole, or a
    /// subset of records) gives the bytes that packing the unpacked codes gives.
    @Test func packedCodesForwardByteForByte() throws {
        var rng = SplitMix64(seed: 5)
        for message in sampleMessages(&rng) {
            let parts = message.encode()
            for mode in [StreamMessage.CodeDecoding.packed, .both] {
                let forwarded = try StreamMessage.decode(parts, codes: mode)
                #expect(forwarded.encode() == parts, "\(message.kind) \(mode)")
                guard case .frames(let packed) = forwarded.payload, case .frames(let full) = message.payload, full.count > 1 else { continue }
                #expect(mode == .packed ? packed.codes.isEmpty : packed.codes == full.codes)
                let picked = [full.count - 1, 0]
                let a = framesMessage(packed.subset(picked)).encode(), b = framesMessage(full.subset(picked)).encode()
                #expect(a == b)
            }
        }
    }

    @Test func headerFieldsSitAtTheDocumentedOffsets() {
        var rng = SplitMix64(seed: 3)
        let batch = randomFrames(
            &rng, shape: FrameShape(rows: 13, columns: 21, slices: 2), format: CodeFormat(bits: 4, signed: true), records: 2, charge: true, truth: false)
        let h = framesMessage(batch, sequence: 0x0102_0304_0506_0708).encode()[0]
        #expect(Array(h[0..<4]) == Array("SPXR".utf8))
        #expect(h[4] == 1 && h[5] == 0)  // version 1, little-endian
        #expect(h[6] == MessageKind.frames.rawValue)
        #expect(h[7] == 4)  // header, records, codes, charge
        #expect(Array(h[16..<24]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(h[32] == 2 && h[33] == 0)
        #expect(h[36] == 3)  // codes | charge
        #expect(Array(h[38..<43]) == [13, 21, 2, 4, 1])
        #expect(h[43] == batch.geometryID)
        #expect(Array(h[44..<48]) == [0, 0, 0, 0])  // stream id 0
    }

    @Test func frameRecordsKeepBunchCrossingAndModulePosition() throws {
        var b = FrameBatch(shape: FrameShape(rows: 2, columns: 2, slices: 1), codeFormat: CodeFormat(bits: 8, signed: false))
        b.append(bunchCrossing: 17, timestamp: 25, yLocal: -3.25, xLocal: 12.5, codes: [0, 1, 254, 255])
        let decoded = try StreamMessage.decode(framesMessage(b).encode())
        guard case .frames(let d) = decoded.payload else { Issue.record("not frames"); return }
        #expect(d.bunchCrossings == [17] && d.timestamps == [25] && d.yLocal == [-3.25] && d.xLocal == [12.5])
        #expect(d.codes == [0, 1, 254, 255])
    }
}
