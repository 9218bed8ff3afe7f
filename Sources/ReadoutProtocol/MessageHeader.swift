/// Which optional parts a message carries (header bytes 36-37): a frames message's codes,
/// charge and truth; a predictions or decisions message may attach the frames it judged.
public struct PayloadFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let codes = PayloadFlags(rawValue: 1)
    public static let charge = PayloadFlags(rawValue: 2)
    public static let truth = PayloadFlags(rawValue: 4)
    public static let all: PayloadFlags = [.codes, .charge, .truth]
    /// Predictions and decisions only: frame parts follow the records (codes/charge/truth as
    /// in a frames message).
    public static let attachedFrames = PayloadFlags(rawValue: 8)
}

/// The fixed 48-byte first part of every message; the layout is in docs/wire-protocol.md.
public struct MessageHeader: Equatable, Sendable {
    public static let size = 48
    public static let magic: [UInt8] = Array("SPXR".utf8)
    public static let version: UInt16 = 1

    public var kind: MessageKind
    /// Parts of the whole message, this header included.
    public var partCount: Int
    public var runID: UInt64
    /// Which producer instance sent it (e.g. an inference worker's index): sequences are per (run, stream).
    public var streamID: UInt32
    /// Per-stream message counter: 0 for run-start, +1 for every message after it.
    public var sequence: UInt64
    public var firstBunchCrossing: UInt64
    public var recordCount: Int
    public var flags: PayloadFlags
    /// Frames, or predictions/decisions with attached frames (zero otherwise).
    public var shape: FrameShape?
    public var codeFormat: CodeFormat?
    public var geometryID: UInt8

    public init(
        kind: MessageKind, partCount: Int, runID: UInt64, streamID: UInt32 = 0, sequence: UInt64, firstBunchCrossing: UInt64, recordCount: Int,
        flags: PayloadFlags = [], shape: FrameShape? = nil, codeFormat: CodeFormat? = nil, geometryID: UInt8 = 0
    ) {
        self.kind = kind
        self.partCount = partCount
        self.runID = runID
        self.streamID = streamID
        self.sequence = sequence
        self.firstBunchCrossing = firstBunchCrossing
        self.recordCount = recordCount
        self.flags = flags
        self.shape = shape
        self.codeFormat = codeFormat
        self.geometryID = geometryID
    }

    /// Parts a message of `kind` with `flags` must have.
    static func expectedParts(_ kind: MessageKind, _ flags: PayloadFlags) -> Int {
        switch kind {
        case .heartbeat: 1
        case .runStart, .endOfRun: 2
        case .frames: 2 + flags.rawValue.nonzeroBitCount
        // The records, then (attached) the frame records and their optional parts.
        case .predictions, .decisions: 2 + (flags.contains(.attachedFrames) ? flags.rawValue.nonzeroBitCount : 0)
        }
    }

    func encode(into w: inout ByteWriter) {
        w.raw(Self.magic)
        w.u16(Self.version)
        w.u8(kind.rawValue)
        w.u8(UInt8(partCount))
        w.u64(runID)
        w.u64(sequence)
        w.u64(firstBunchCrossing)
        w.u32(UInt32(recordCount))
        w.u16(flags.rawValue)
        w.u8(UInt8(shape?.rows ?? 0))
        w.u8(UInt8(shape?.columns ?? 0))
        w.u8(UInt8(shape?.slices ?? 0))
        w.u8(UInt8(codeFormat?.bits ?? 0))
        w.u8(codeFormat?.signed == true ? 1 : 0)
        w.u8(geometryID)
        w.u32(streamID)
    }

    /// Decodes and validates a header part on its own (cheap: lets a consumer look at the
    /// kind and counts before decoding the rest).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> MessageHeader {
        var r = ByteReader(bytes, part: "header")
        let magic = [try r.u8("magic"), try r.u8("magic"), try r.u8("magic"), try r.u8("magic")]
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        let version = try r.u16("version")
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let rawKind = try r.u8("kind")
        guard let kind = MessageKind(rawValue: rawKind) else { throw .unknownKind(rawKind) }
        let parts = Int(try r.u8("part count"))
        let runID = try r.u64("run id")
        let sequence = try r.u64("sequence")
        let firstBX = try r.u64("first bunch crossing")
        let records = Int(try r.u32("record count"))
        let flags = PayloadFlags(rawValue: try r.u16("payload flags"))
        let rows = Int(try r.u8("rows")), columns = Int(try r.u8("columns")), slices = Int(try r.u8("slices"))
        let bits = try r.u8("ADC bits")
        let signed = try r.u8("code signedness")
        let geometryID = try r.u8("geometry id")
        let streamID = try r.u32("stream id")
        guard bytes.count == size else { throw .lengthMismatch(part: "header", expected: size, found: bytes.count) }

        var shape: FrameShape?
        var codeFormat: CodeFormat?
        let carriesFrames = kind == .frames || ([.predictions, .decisions].contains(kind) && flags.contains(.attachedFrames))
        if carriesFrames {
            let frameFlags = flags.subtracting(kind == .frames ? [] : .attachedFrames)
            guard frameFlags.isSubset(of: .all), !frameFlags.isDisjoint(with: [.codes, .charge]) else {
                throw .badFlags(kind: "\(kind)", flags: flags.rawValue)
            }
            guard rows > 0, columns > 0, slices > 0 else {
                throw .shape("\(rows)x\(columns)x\(slices) (bytes 38-40) has a zero dimension")
            }
            shape = FrameShape(rows: rows, columns: columns, slices: slices)
            if flags.contains(.codes) {
                guard CodeFormat.allowedBits.contains(Int(bits)) else { throw .badBitWidth(bits) }
                guard signed <= 1 else { throw .badValue(part: "header", field: "code signedness (byte 42)", detail: "is \(signed), not 0 or 1") }
                codeFormat = CodeFormat(bits: Int(bits), signed: signed == 1)
            } else if bits != 0 || signed != 0 {
                throw .badValue(part: "header", field: "ADC bits/signedness (bytes 41-42)", detail: "are set but the message carries no codes")
            }
        } else {
            guard flags.isEmpty else { throw .badFlags(kind: "\(kind)", flags: flags.rawValue) }
            guard rows == 0, columns == 0, slices == 0, bits == 0, signed == 0 else {
                throw .shape("bytes 38-42 must be zero in a \(kind) message without frames")
            }
            if [.runStart, .endOfRun, .heartbeat].contains(kind), records != 0 {
                throw .badValue(part: "header", field: "record count (byte 32)", detail: "is \(records) in a \(kind) message, must be 0")
            }
        }
        let expected = expectedParts(kind, flags)
        guard parts == expected else { throw .partCount(kind: "\(kind)", expected: expected, found: parts) }
        return MessageHeader(
            kind: kind, partCount: parts, runID: runID, streamID: streamID, sequence: sequence, firstBunchCrossing: firstBX, recordCount: records, flags: flags,
            shape: shape, codeFormat: codeFormat, geometryID: geometryID)
    }
}
