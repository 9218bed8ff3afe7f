import Foundation

extension StreamMessage {
    /// What a decoder does with packed pixel codes.
    public enum CodeDecoding: Sendable {
        /// Unpacked into `codes` (what every consumer of pixels needs).
        case unpacked
        /// Kept packed in `packedCodes` only: for a stage that forwards frames unread.
        case packed
        /// Both: for a stage that reads the codes and forwards them.
        case both
    }

    /// Decodes a multipart message, checking every length and count against the bytes present.
    public static func decode(_ parts: [[UInt8]], codes: CodeDecoding = .unpacked) throws(DecodeError) -> StreamMessage {
        // One contiguous copy so that every part can be viewed at once.
        let joined = Array(parts.joined())
        let result: Result<StreamMessage, DecodeError> = joined.withUnsafeBytes { all in
            var offset = 0
            let buffers = parts.map { part in
                defer { offset += part.count }
                return UnsafeRawBufferPointer(rebasing: all[offset..<(offset + part.count)])
            }
            return Result { () throws(DecodeError) in try decode(buffers: buffers, codes: codes) }
        }
        return try result.get()
    }

    /// Decodes a message from its parts' bytes (e.g. received `MessageParts` buffers).
    public static func decode(buffers parts: [UnsafeRawBufferPointer], codes: CodeDecoding = .unpacked) throws(DecodeError) -> StreamMessage {
        guard let first = parts.first else { throw .noParts }
        let h = try MessageHeader.decode(first)
        guard parts.count == h.partCount else { throw .partCount(kind: "\(h.kind)", expected: h.partCount, found: parts.count) }
        let n = h.recordCount

        func expectLength(_ i: Int, _ name: String, recordSize: Int) throws(DecodeError) {
            let (total, overflow) = n.multipliedReportingOverflow(by: recordSize)
            guard !overflow else { throw .overflow("\(name): \(n) records of \(recordSize) bytes") }
            guard parts[i].count == total else { throw .lengthMismatch(part: name, expected: total, found: parts[i].count) }
        }

        let payload: Payload
        switch h.kind {
        case .heartbeat:
            payload = .heartbeat
        case .runStart:
            payload = .runStart(try decodeRunStart(parts[1]))
        case .endOfRun:
            guard parts[1].count == endOfRunSize else { throw .lengthMismatch(part: "end-of-run totals", expected: endOfRunSize, found: parts[1].count) }
            var r = ByteReader(parts[1], part: "end-of-run totals")
            payload = .endOfRun(
                EndOfRun(
                    messages: try r.u64("messages"), records: try r.u64("records"), bunchCrossings: try r.u64("bunch crossings"),
                    droppedRecords: try r.u64("dropped records"), malformedInputs: try r.u64("malformed inputs"), missedInputs: try r.u64("missed inputs")))
        case .predictions:
            try expectLength(1, "prediction records", recordSize: predictionRecordSize)
            var b = PredictionBatch()
            b.bunchCrossings.reserveCapacity(n)
            b.outputs.reserveCapacity(n * PredictionBatch.outputsPerRecord)
            var r = ByteReader(parts[1], part: "prediction records")
            for _ in 0..<n {
                b.bunchCrossings.append(try r.u64("bunch crossing"))
                b.frameSequences.append(try r.u64("frame sequence"))
                b.recordIndices.append(try r.u32("record index"))
                try r.skipZeros(4, "reserved")
                b.yLocal.append(try r.f32("y-local"))
                b.xLocal.append(try r.f32("x-local"))
                for _ in 0..<PredictionBatch.outputsPerRecord { b.outputs.append(try r.f32("output")) }
            }
            if h.flags.contains(.attachedFrames) {
                b.frames = try decodeFrames(h, parts, count: n, codes: codes)
                try checkAttached(b.frames!, b.bunchCrossings[...], "predictions")
            }
            payload = .predictions(b)
        case .decisions:
            try expectLength(1, "decision records", recordSize: decisionRecordSize)
            var b = DecisionBatch()
            b.records.reserveCapacity(n)
            var r = ByteReader(parts[1], part: "decision records")
            for _ in 0..<n {
                let bx = try r.u64("bunch crossing"), seq = try r.u64("frame sequence"), idx = try r.u32("record index")
                let keep = try r.u8("decision")
                guard keep <= 1 else {
                    throw .badValue(part: "decision records", field: "decision at byte \(r.offset - 1)", detail: "is \(keep), not 0 (drop) or 1 (keep)")
                }
                try r.skipZeros(3, "reserved")
                let pt = try r.f32("pt"), sigma = try r.f32("pt sigma"), score = try r.f32("score")
                try r.skipZeros(4, "reserved")
                b.records.append(.init(bunchCrossing: bx, frameSequence: seq, recordIndex: idx, keep: keep == 1, pt: pt, ptSigma: sigma, score: score))
            }
            if h.flags.contains(.attachedFrames) {
                // Attached to decisions: the frames of the kept records, in order.
                let kept = b.records.filter(\.keep).map(\.bunchCrossing)
                b.keptFrames = try decodeFrames(h, parts, count: kept.count, codes: codes)
                try checkAttached(b.keptFrames!, kept[...], "kept decisions")
            }
            payload = .decisions(b)
        case .frames:
            let b = try decodeFrames(h, parts, count: n, codes: codes)
            if n > 0, b.bunchCrossings[0] != h.firstBunchCrossing {
                throw .badValue(
                    part: "frame records", field: "first bunch crossing", detail: "is \(b.bunchCrossings[0]), header (byte 24) says \(h.firstBunchCrossing)")
            }
            payload = .frames(b)
        }
        return StreamMessage(runID: h.runID, streamID: h.streamID, sequence: h.sequence, firstBunchCrossing: h.firstBunchCrossing, payload: payload)
    }

    private static func decodeRunStart(_ part: UnsafeRawBufferPointer) throws(DecodeError) -> RunStart {
        let name = "run-start"
        guard part.count <= maxRunStartBytes else { throw .badValue(part: name, field: "length", detail: "\(part.count) bytes exceeds \(maxRunStartBytes)") }
        var r = ByteReader(part, part: name)
        let producerLength = Int(try r.u16("producer length"))
        guard r.remaining >= producerLength else {
            throw .truncated(part: name, field: "producer", offset: r.offset, needed: producerLength, available: r.remaining)
        }
        let producerStart = r.offset
        guard let producer = String(validating: part[producerStart..<(producerStart + producerLength)], as: UTF8.self) else {
            throw .badValue(part: name, field: "producer at byte \(producerStart)", detail: "is not valid UTF-8")
        }
        var rest = ByteReader(UnsafeRawBufferPointer(rebasing: part[(producerStart + producerLength)...]), part: name)
        let jsonLength = Int(try rest.u32("configuration length"))
        guard rest.remaining == jsonLength else { throw .lengthMismatch(part: "run-start configuration", expected: jsonLength, found: rest.remaining) }
        let jsonBytes = UnsafeRawBufferPointer(rebasing: part[(part.count - jsonLength)...])
        guard let json = String(validating: jsonBytes, as: UTF8.self) else {
            throw .badValue(part: name, field: "configuration", detail: "is not valid UTF-8")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(jsonBytes))) is [String: Any] else {
            throw .badValue(part: name, field: "configuration", detail: "is not a JSON object")
        }
        return RunStart(producer: producer, configurationJSON: json)
    }

    /// Attached frames belong record by record to the records they follow.
    private static func checkAttached(_ f: FrameBatch, _ bunchCrossings: ArraySlice<UInt64>, _ name: String) throws(DecodeError) {
        for (i, (a, b)) in zip(f.bunchCrossings, bunchCrossings).enumerated() where a != b {
            throw .badValue(part: "attached frame records", field: "bunch crossing of record \(i)", detail: "is \(a), the \(name) say \(b)")
        }
    }

    /// The frame parts from part 1 (a frames message) or part 2 (attached), `n` records.
    private static func decodeFrames(_ h: MessageHeader, _ parts: [UnsafeRawBufferPointer], count n: Int, codes: CodeDecoding) throws(DecodeError)
        -> FrameBatch
    {
        let shape = h.shape!  // validated by MessageHeader.decode for frames
        var b = FrameBatch(shape: shape, codeFormat: h.codeFormat, charge: h.flags.contains(.charge), truth: h.flags.contains(.truth), geometryID: h.geometryID)

        func sized(_ part: Int, _ name: String, perRecord: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
            let (total, overflow) = n.multipliedReportingOverflow(by: perRecord)
            guard !overflow else { throw .overflow("\(name): \(n) records of \(perRecord) bytes") }
            guard parts[part].count == total else { throw .lengthMismatch(part: name, expected: total, found: parts[part].count) }
            return parts[part]
        }

        let first = h.kind == .frames ? 1 : 2
        var r = ByteReader(try sized(first, "frame records", perRecord: frameRecordSize), part: "frame records")
        b.bunchCrossings.reserveCapacity(n)
        for _ in 0..<n {
            b.bunchCrossings.append(try r.u64("bunch crossing"))
            b.timestamps.append(try r.u64("timestamp"))
            b.yLocal.append(try r.f32("y-local"))
            b.xLocal.append(try r.f32("x-local"))
            try r.skipZeros(8, "reserved")
        }
        var next = first + 1
        if let format = h.codeFormat {
            let perRecord = format.bytesPerRecord(shape)
            let packed = try sized(next, "codes", perRecord: perRecord)
            let pixels = shape.pixels
            if codes != .unpacked { b.packedCodes = Array(packed) }
            if codes != .packed {
                b.codes = [Int16](unsafeUninitializedCapacity: n * pixels) { out, initialized in
                    for i in 0..<n {
                        BitPacking.unpack(
                            UnsafeRawBufferPointer(rebasing: packed[(i * perRecord)..<((i + 1) * perRecord)]), count: pixels, bits: format.bits,
                            signed: format.signed, into: out.baseAddress! + i * pixels)
                    }
                    initialized = n * pixels
                }
            }
            next += 1
        }
        if h.flags.contains(.charge) {
            b.charge = try floats(try sized(next, "charge", perRecord: 4 * shape.pixels))
            next += 1
        }
        if h.flags.contains(.truth) {
            b.truth = try floats(try sized(next, "truth", perRecord: 4 * TruthLabel.count))
        }
        return b
    }

    private static func floats(_ part: UnsafeRawBufferPointer) throws(DecodeError) -> [Float] {
        [Float](unsafeUninitializedCapacity: part.count / 4) { out, count in
            for i in 0..<(part.count / 4) {
                out[i] = Float(bitPattern: UInt32(littleEndian: part.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            count = part.count / 4
        }
    }
}
