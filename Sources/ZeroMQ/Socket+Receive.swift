import CZMQ

/// What a receive into a caller's fixed buffer got.
public struct ReceivedSize: Sendable, Equatable {
    /// The message's full size in bytes.
    public let messageSize: Int
    /// Bytes written into the buffer: min(messageSize, buffer size).
    public let stored: Int
    /// The message was larger than the buffer; the rest of it is lost.
    public var truncated: Bool { messageSize > stored }
}

extension Socket {
    /// Receives one part into a reusable message. Returns `false` if `dontWait` is set and
    /// nothing is there, or the receive timeout expired.
    public func receive(into message: Message, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let flags = dontWait ? ZMQ_DONTWAIT : 0
        do {
            _ = try retryingEINTR("zmq_msg_recv") { zmq_msg_recv(message.raw, handle, flags) }
            return true
        } catch  where error.isWouldBlock {
            return false
        }
    }

    /// Receives one part into `buffer`, reporting truncation; `nil` if nothing was there.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, dontWait: Bool = false) throws(ZMQError) -> ReceivedSize? {
        let flags = dontWait ? ZMQ_DONTWAIT : 0
        do {
            let n = try retryingEINTR("recv(\(buffer.count) byte buffer)") {
                zmq_recv(handle, buffer.baseAddress, buffer.count, flags)
            }
            return ReceivedSize(messageSize: Int(n), stored: min(Int(n), buffer.count))
        } catch  where error.isWouldBlock {
            return nil
        }
    }

    /// Receives a whole multipart message into `parts`, reusing its messages.
    /// Returns `false` if `dontWait` is set and no message was waiting.
    public func receive(into parts: MessageParts, dontWait: Bool = false) throws(ZMQError) -> Bool {
        parts.count = 0
        guard try receive(into: parts.next(), dontWait: dontWait) else { return false }
        parts.count = 1
        // The remaining parts of a multipart message are already here: libzmq delivers it whole.
        while parts.messages[parts.count - 1].hasMore {
            _ = try receive(into: parts.next())
            parts.count += 1
        }
        return true
    }

    /// Receives a whole multipart message as copied arrays; `nil` if nothing was waiting.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        let parts = MessageParts()
        guard try receive(into: parts, dontWait: dontWait) else { return nil }
        return parts.arrays
    }
}

/// Reusable storage for the parts of one multipart message.
public final class MessageParts {
    var messages: [Message] = []
    /// Parts of the last message received.
    public internal(set) var count = 0

    public init() {}

    func next() -> Message {
        if count == messages.count { messages.append(Message()) }
        return messages[count]
    }

    public subscript(index: Int) -> Message {
        precondition(index < count, "part \(index) of a \(count)-part message")
        return messages[index]
    }

    /// The parts' bytes, valid until the next receive into these parts.
    public var buffers: [UnsafeRawBufferPointer] { (0..<count).map { messages[$0].bytes } }

    public var arrays: [[UInt8]] { (0..<count).map { messages[$0].array } }

    public var totalBytes: Int { (0..<count).reduce(0) { $0 + messages[$1].count } }
}

@available(*, unavailable, message: "message parts belong to the thread using them")
extension MessageParts: Sendable {}
