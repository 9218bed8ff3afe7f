/// One message of a stream: the envelope every kind shares and its payload.
public struct StreamMessage: Equatable, Sendable {
    public enum Payload: Equatable, Sendable {
        case runStart(RunStart)
        case frames(FrameBatch)
        case predictions(PredictionBatch)
        case decisions(DecisionBatch)
        case endOfRun(EndOfRun)
        case heartbeat
    }

    public var runID: UInt64
    /// The sending instance; sequence numbers count per (run, stream).
    public var streamID: UInt32
    public var sequence: UInt64
    /// Bunch crossing of the first record (frames, predictions, decisions) or the current
    /// bunch crossing (heartbeat, end-of-run).
    public var firstBunchCrossing: UInt64
    public var payload: Payload

    public init(runID: UInt64, streamID: UInt32 = 0, sequence: UInt64, firstBunchCrossing: UInt64 = 0, payload: Payload) {
        self.runID = runID
        self.streamID = streamID
        self.sequence = sequence
        self.firstBunchCrossing = firstBunchCrossing
        self.payload = payload
    }

    public var kind: MessageKind {
        switch payload {
        case .runStart: .runStart
        case .frames: .frames
        case .predictions: .predictions
        case .decisions: .decisions
        case .endOfRun: .endOfRun
        case .heartbeat: .heartbeat
        }
    }

    /// Records carried (0 for run-start, end-of-run and heartbeat).
    public var recordCount: Int {
        switch payload {
        case .frames(let b): b.count
        case .predictions(let b): b.count
        case .decisions(let b): b.count
        case .runStart, .endOfRun, .heartbeat: 0
        }
    }
}

extension StreamMessage {
    /// Record sizes of the fixed-size parts, in bytes.
    static let frameRecordSize = 32
    static let predictionRecordSize = 32 + 4 * PredictionBatch.outputsPerRecord
    static let decisionRecordSize = 40
    static let endOfRunSize = 48
    /// Sanity bound on run-start texts: a configuration, not a data channel.
    static let maxRunStartBytes = 1 << 20

    /// The message's parts, header first, ready to send as one multipart message.
    public func encode() -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var flags: PayloadFlags = []
        var shape: FrameShape?
        var format: CodeFormat?
        var geometryID: UInt8 = 0
        switch payload {
        case .runStart(let s):
            var w = ByteWriter(capacity: 8 + s.producer.utf8.count + s.configurationJSON.utf8.count)
            w.u16(UInt16(s.producer.utf8.count))
            w.raw(s.producer.utf8)
            w.u32(UInt32(s.configurationJSON.utf8.count))
            w.raw(s.configurationJSON.utf8)
            parts.append(w.bytes)
        case .frames(let b):
            (flags, shape, format, geometryID) = Self.encodeFrameParts(b, into: &parts)
        case .predictions(let b):
            var w = ByteWriter(capacity: b.count * Self.predictionRecordSize)
            for i in 0..<b.count {
                w.u64(b.bunchCrossings[i])
                w.u64(b.frameSequences[i])
                w.u32(b.recordIndices[i])
                w.u32(0)
                w.f32(b.yLocal[i])
                w.f32(b.xLocal[i])
                for o in b.outputs(ofRecord: i) { w.f32(o) }
            }
            parts.append(w.bytes)
            if let f = b.frames {
                precondition(f.count == b.count, "attached frames must match the predictions one to one")
                (flags, shape, format, geometryID) = Self.encodeFrameParts(f, into: &parts)
                flags.insert(.attachedFrames)
            }
        case .decisions(let b):
            var w = ByteWriter(capacity: b.count * Self.decisionRecordSize)
            for r in b.records {
                w.u64(r.bunchCrossing)
                w.u64(r.frameSequence)
                w.u32(r.recordIndex)
                w.u8(r.keep ? 1 : 0)
                w.zeros(3)
                w.f32(r.pt)
                w.f32(r.ptSigma)
                w.f32(r.score)
                w.zeros(4)
            }
            parts.append(w.bytes)
            if let f = b.keptFrames {
                precondition(f.count == b.keptCount, "attached frames must be those of the kept records")
                (flags, shape, format, geometryID) = Self.encodeFrameParts(f, into: &parts)
                flags.insert(.attachedFrames)
            }
        case .endOfRun(let e):
            var w = ByteWriter(capacity: Self.endOfRunSize)
            for v in [e.messages, e.records, e.bunchCrossings, e.droppedRecords, e.malformedInputs, e.missedInputs] { w.u64(v) }
            parts.append(w.bytes)
        case .heartbeat:
            break
        }
        let header = MessageHeader(
            kind: kind, partCount: parts.count + 1, runID: runID, streamID: streamID, sequence: sequence,
            firstBunchCrossing: firstBunchCrossing, recordCount: recordCount, flags: flags,
            shape: shape, codeFormat: format, geometryID: geometryID)
        var w = ByteWriter(capacity: MessageHeader.size)
        header.encode(into: &w)
        return [w.bytes] + parts
    }

    /// Appends a frames batch's parts (records, then codes, charge, truth as carried) and
    /// returns the header fields that describe them.
    private static func encodeFrameParts(_ b: FrameBatch, into parts: inout [[UInt8]]) -> (PayloadFlags, FrameShape, CodeFormat?, UInt8) {
        precondition(b.shape.isEncodable, "frame shape \(b.shape) does not fit the header")
        var flags: PayloadFlags = []
        var w = ByteWriter(capacity: b.count * Self.frameRecordSize)
        for i in 0..<b.count {
            w.u64(b.bunchCrossings[i])
            w.u64(b.timestamps[i])
            w.f32(b.yLocal[i])
            w.f32(b.xLocal[i])
            w.zeros(8)
        }
        parts.append(w.bytes)
        if let format = b.codeFormat {
            flags.insert(.codes)
            let perRecord = format.bytesPerRecord(b.shape), pixels = b.shape.pixels
            if !b.packedCodes.isEmpty || b.codes.isEmpty {
                // Kept from decoding: the same bytes go out again.
                precondition(b.packedCodes.count == b.count * perRecord, "packed codes must hold \(perRecord) bytes per record")
                parts.append(b.packedCodes)
            } else {
                let packed = [UInt8](unsafeUninitializedCapacity: b.count * perRecord) { out, initialized in
                    b.codes.withUnsafeBufferPointer { codes in
                        for i in 0..<b.count {
                            BitPacking.pack(
                                UnsafeBufferPointer(rebasing: codes[(i * pixels)..<((i + 1) * pixels)]), bits: format.bits,
                                into: out.baseAddress! + i * perRecord)
                        }
                    }
                    initialized = b.count * perRecord
                }
                parts.append(packed)
            }
        }
        if b.hasCharge {
            flags.insert(.charge)
            var w = ByteWriter(capacity: b.charge.count * 4)
            w.f32s(b.charge)
            parts.append(w.bytes)
        }
        if b.hasTruth {
            flags.insert(.truth)
            var w = ByteWriter(capacity: b.truth.count * 4)
            w.f32s(b.truth)
            parts.append(w.bytes)
        }
        return (flags, b.shape, b.codeFormat, b.geometryID)
    }
}
