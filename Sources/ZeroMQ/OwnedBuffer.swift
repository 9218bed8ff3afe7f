/// A fixed-size block of memory with a stable address, for zero-copy sends: libzmq may read
/// it on its own I/O thread after `send` returns, so the bytes must not move or change until
/// it releases the buffer. Write it fully before sending and do not write it afterwards.
public final class OwnedBuffer: @unchecked Sendable {
    // Sendable because after the sender fills it, only libzmq reads it; that is the contract above.
    public let base: UnsafeMutableRawPointer
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "buffer size must not be negative")
        self.count = count
        base = .allocate(byteCount: max(count, 1), alignment: 16)
    }

    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count)
        var p = base
        for b in bytes {
            p.storeBytes(of: b, as: UInt8.self)
            p += 1
        }
    }

    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }

    deinit { base.deallocate() }
}
