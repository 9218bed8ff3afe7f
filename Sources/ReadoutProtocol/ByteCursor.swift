/// Little-endian writing into a growing byte array.
struct ByteWriter {
    // Written in place into zeroed storage of the announced capacity (grown if exceeded):
    // one store per field, not an array append per field.
    private var storage: [UInt8]
    private var offset = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: capacity) }

    /// What was written.
    var bytes: [UInt8] { offset == storage.count ? storage : Array(storage[..<offset]) }

    mutating func u8(_ v: UInt8) { store(v) }
    mutating func u16(_ v: UInt16) { store(v.littleEndian) }
    mutating func u32(_ v: UInt32) { store(v.littleEndian) }
    mutating func u64(_ v: UInt64) { store(v.littleEndian) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func zeros(_ n: Int) {
        reserve(n)
        offset += n
    }
    mutating func raw(_ values: some Collection<UInt8>) {
        reserve(values.count)
        storage.withUnsafeMutableBytes { _ = UnsafeMutableRawBufferPointer(rebasing: $0[offset...]).initializeMemory(as: UInt8.self, from: values) }
        offset += values.count
    }
    /// Bytes copied as one block.
    mutating func raw(_ block: UnsafeRawBufferPointer) {
        guard let source = block.baseAddress else { return }
        reserve(block.count)
        storage.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: block.count) }
        offset += block.count
    }
    /// Many f32 at once: on a little-endian host their memory is already the wire's bytes.
    mutating func f32s(_ values: [Float]) {
        #if _endian(little)
            values.withUnsafeBytes { raw($0) }
        #else
            for v in values { f32(v) }
        #endif
    }

    private mutating func reserve(_ n: Int) {
        if offset + n > storage.count { storage.append(contentsOf: repeatElement(0, count: offset + n - storage.count)) }
    }

    @inline(__always)
    private mutating func store<T: FixedWidthInteger>(_ v: T) {
        reserve(MemoryLayout<T>.size)
        storage.withUnsafeMutableBytes { $0.storeBytes(of: v, toByteOffset: offset, as: T.self) }
        offset += MemoryLayout<T>.size
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
