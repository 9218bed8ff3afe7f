import CZMQ

extension Socket {
    func setOption(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var v = value
        _ = try retryingEINTR("setsockopt(\(name)=\(value))") {
            zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size)
        }
    }

    func getOption(_ option: Int32, _ name: String) throws(ZMQError) -> Int32 {
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try retryingEINTR("getsockopt(\(name))") { zmq_getsockopt(handle, option, &v, &size) }
        return v
    }

    /// Messages queued per peer before sending blocks (PUSH) or drops (PUB). 0 means no limit.
    public func setSendHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, Int32(clamping: messages), "ZMQ_SNDHWM")
    }

    /// Messages queued per peer on the receiving side. 0 means no limit.
    public func setReceiveHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, Int32(clamping: messages), "ZMQ_RCVHWM")
    }

    /// Inbound messages larger than this many bytes make libzmq drop the connection before
    /// reading them (ZMQ_MAXMSGSIZE); `nil` means no limit.
    public func setMaxMessageSize(_ bytes: Int?) throws(ZMQError) {
        var v = Int64(bytes ?? -1)
        _ = try retryingEINTR("setsockopt(ZMQ_MAXMSGSIZE=\(v))") {
            zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &v, MemoryLayout<Int64>.size)
        }
    }

    /// How long unsent messages are kept after close; `nil` waits forever (libzmq's default, avoided here).
    public func setLinger(_ linger: Duration?) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds(linger), "ZMQ_LINGER")
    }

    /// With `true`, messages are queued only to completed connections (no queueing to a peer that is not there).
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, on ? 1 : 0, "ZMQ_IMMEDIATE")
    }

    /// `nil` blocks forever; otherwise a blocked send fails with EAGAIN after this time.
    public func setSendTimeout(_ timeout: Duration?) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds(timeout), "ZMQ_SNDTIMEO")
    }

    /// `nil` blocks forever; otherwise a blocked receive fails with EAGAIN after this time.
    public func setReceiveTimeout(_ timeout: Duration?) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, milliseconds(timeout), "ZMQ_RCVTIMEO")
    }

    /// XPUB only: a send that a subscriber's high-water mark would drop fails with EAGAIN
    /// instead, so the publisher can count what it drops.
    public func setXPubNoDrop(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_XPUB_NODROP, on ? 1 : 0, "ZMQ_XPUB_NODROP")
    }

    /// SUB only: receive messages whose first part starts with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        _ = try retryingEINTR("setsockopt(ZMQ_SUBSCRIBE)") {
            prefix.withUnsafeBytes { zmq_setsockopt(handle, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }
        }
    }

    public func unsubscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        _ = try retryingEINTR("setsockopt(ZMQ_UNSUBSCRIBE)") {
            prefix.withUnsafeBytes { zmq_setsockopt(handle, ZMQ_UNSUBSCRIBE, $0.baseAddress, $0.count) }
        }
    }

    /// The endpoint of the last bind, with the port chosen for a `*` wildcard.
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        _ = try retryingEINTR("getsockopt(ZMQ_LAST_ENDPOINT)") {
            zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether more parts of the current multipart message follow.
    public func hasMoreParts() throws(ZMQError) -> Bool {
        try getOption(ZMQ_RCVMORE, "ZMQ_RCVMORE") != 0
    }
}

/// libzmq's millisecond convention: -1 means infinite.
func milliseconds(_ duration: Duration?) -> Int32 {
    guard let duration else { return -1 }
    let (seconds, attoseconds) = duration.components
    let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    return Int32(clamping: max(0, ms))
}
