import CZMQ

extension Socket {
    /// Sends one part. Returns `false` only when `dontWait` is set and the send would block
    /// (or the send timeout expired, or an XPUB with no-drop is at its high-water mark).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        do {
            _ = try retryingEINTR("send(\(bytes.count) bytes)") {
                zmq_send(handle, bytes.baseAddress, bytes.count, flags)
            }
            return true
        } catch  where error.isWouldBlock {
            return false
        }
    }

    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let result: Result<Bool, ZMQError> = bytes.withUnsafeBytes { b in
            Result { () throws(ZMQError) -> Bool in try send(b, more: more, dontWait: dontWait) }
        }
        return try result.get()
    }

    /// Sends a message; on success its content has moved to libzmq and it is empty again.
    @discardableResult
    public func send(_ message: Message, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        do {
            _ = try retryingEINTR("zmq_msg_send(\(message.count) bytes)") { zmq_msg_send(message.raw, handle, flags) }
            return true
        } catch  where error.isWouldBlock {
            return false
        }
    }

    /// Sends `buffer` without copying it: libzmq holds a reference until it has sent the bytes.
    @discardableResult
    public func sendZeroCopy(_ buffer: OwnedBuffer, count: Int? = nil, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let message = try Message(zeroCopy: buffer, count: count)
        return try send(message, more: more, dontWait: dontWait)
    }

    /// Sends all parts as one atomic multipart message: a receiver gets all of them or none.
    /// With `dontWait`, returns `false` if the first part would block (nothing was sent then:
    /// libzmq accepts the remaining parts once it has accepted the first).
    @discardableResult
    public func send(multipart parts: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!parts.isEmpty, "a message has at least one part")
        for (i, part) in parts.enumerated() {
            let sent = try send(part, more: i + 1 < parts.count, dontWait: dontWait)
            if !sent {
                if i == 0 { return false }
                throw ZMQError("send(multipart part \(i))", errno: EAGAIN)
            }
        }
        return true
    }
}
