/// Little-endian writing into a growing byte array.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(v.littleEndian) }
    mutating func u32(_ v: UInt32) { append(v.littleEndian) }
    mutating func u64(_ v: UInt64) { append(v.littleEndian) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    /// Many f32 at once: on a little-endian host their memory is already the wire's bytes.
    mutating func f32s(_ values: [Float]) {
        #if _endian(little)
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
            for v in values { f32(v) }
        #endif
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}

/// Bounds-checked little-endian reading; every read names what it was reading when it fails.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    let part: String
    private(set) var offset = 0

    init(_ buffer: UnsafeRawBufferPointer, part: String) {
        self.buffer = buffer
        self.part = part
    }

    var remaining: Int { buffer.count - offset }

    private mutating func load<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw .truncated(part: part, field: field, offset: offset, needed: size, available: remaining)
        }
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: v)
    }

    mutating func u8(_ field: String) throws(DecodeError) -> UInt8 { try load(UInt8.self, field) }
    mutating func u16(_ field: String) throws(DecodeError) -> UInt16 { try load(UInt16.self, field) }
    mutating func u32(_ field: String) throws(DecodeError) -> UInt32 { try load(UInt32.self, field) }
    mutating func u64(_ field: String) throws(DecodeError) -> UInt64 { try load(UInt64.self, field) }
    mutating func f32(_ field: String) throws(DecodeError) -> Float { Float(bitPattern: try load(UInt32.self, field)) }

    mutating func skip(_ n: Int) { offset += min(n, remaining) }

    mutating func skipZeros(_ n: Int, _ field: String) throws(DecodeError) {
        let start = offset
        for _ in 0..<n {
            guard try u8(field) == 0 else { throw .reservedNotZero(part: part, field: field, offset: start) }
        }
    }
}
