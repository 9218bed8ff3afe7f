import CZMQ

/// A libzmq message, reusable across receives. Its bytes are valid until the next receive
/// into it or until it is released. Not `Sendable`: it belongs to the thread using it.
public final class Message {
    let raw: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message, ready to receive into.
    public init() {
        raw = .allocate(capacity: 1)
        zmq_msg_init(raw)
    }

    /// A message holding a copy of `bytes`.
    public init(copying bytes: UnsafeRawBufferPointer) throws(ZMQError) {
        raw = .allocate(capacity: 1)
        guard zmq_msg_init_size(raw, bytes.count) == 0 else {
            let error = ZMQError("zmq_msg_init_size(\(bytes.count))")
            raw.deallocate()
            throw error
        }
        if bytes.count > 0, let base = bytes.baseAddress {
            zmq_msg_data(raw).copyMemory(from: base, byteCount: bytes.count)
        }
    }

    /// A message that points at `buffer`'s memory without copying it. The buffer stays alive
    /// (it is retained) until libzmq has finished sending it, on whichever thread that is.
    public init(zeroCopy buffer: OwnedBuffer, count: Int? = nil) throws(ZMQError) {
        let n = count ?? buffer.count
        precondition(n >= 0 && n <= buffer.count, "zero-copy count \(n) exceeds the buffer's \(buffer.count) bytes")
        raw = .allocate(capacity: 1)
        let hint = Unmanaged.passRetained(buffer).toOpaque()
        guard zmq_msg_init_data(raw, buffer.base, n, releaseOwnedBuffer, hint) == 0 else {
            let error = ZMQError("zmq_msg_init_data(\(n))")
            Unmanaged<OwnedBuffer>.fromOpaque(hint).release()
            raw.deallocate()
            throw error
        }
    }

    deinit {
        zmq_msg_close(raw)
        raw.deallocate()
    }

    /// Bytes in the message.
    public var count: Int { zmq_msg_size(raw) }

    /// The message's bytes, valid until the next receive into this message.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(raw), count: zmq_msg_size(raw))
    }

    /// Whether another part of the same multipart message follows this one.
    public var hasMore: Bool { zmq_msg_more(raw) != 0 }

    /// A copy of the bytes.
    public var array: [UInt8] { Array(bytes) }
}

@available(*, unavailable, message: "a message belongs to the thread using it")
extension Message: Sendable {}

/// The free function libzmq calls (on its I/O thread) when a zero-copy message is done.
private let releaseOwnedBuffer: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = {
    _, hint in
    if let hint { Unmanaged<OwnedBuffer>.fromOpaque(hint).release() }
}
