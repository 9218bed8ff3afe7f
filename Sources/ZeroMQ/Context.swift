import CZMQ

/// A libzmq context: thread-safe, shared by every socket of a process.
///
/// `shutdown()` makes every call blocked on one of its sockets return with
/// `ZMQError.isContextTerminated`; the context itself is terminated when the last
/// reference (each socket holds one) goes away.
public final class Context: @unchecked Sendable {
    // libzmq documents the context handle as thread-safe; nothing else is stored.
    let handle: UnsafeMutableRawPointer

    /// - Parameter ioThreads: libzmq I/O threads (1 is enough for about 1 GB/s).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        handle = h
        if zmq_ctx_set(h, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let error = ZMQError("zmq_ctx_set(ZMQ_IO_THREADS=\(ioThreads))")
            zmq_ctx_term(h)
            throw error
        }
    }

    /// Unblocks every blocked call on this context's sockets; further calls fail with ETERM.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // All sockets hold a reference, so they are closed by now and this cannot hang.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// libzmq's version as (major, minor, patch).
    public static var libraryVersion: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }
}
