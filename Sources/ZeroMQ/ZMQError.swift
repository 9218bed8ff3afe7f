import CZMQ

/// A failed libzmq call: the operation, errno and libzmq's own text for it.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let errno: Int32
    public let message: String

    init(_ operation: String, errno: Int32 = zmq_errno()) {
        self.operation = operation
        self.errno = errno
        self.message = String(cString: zmq_strerror(errno))
    }

    /// A failure found before libzmq was called, with its own explanation.
    init(_ operation: String, errno: Int32, message: String) {
        self.operation = operation
        self.errno = errno
        self.message = message
    }

    /// The context was shut down or terminated while the call was blocked (ETERM).
    public var isContextTerminated: Bool { errno == ETERM }
    /// A non-blocking call would have blocked, or a timeout expired (EAGAIN).
    public var isWouldBlock: Bool { errno == EAGAIN }

    public var description: String { "\(operation): \(message) (errno \(errno))" }
}

/// Runs a libzmq call that returns -1 on failure, retrying while it is interrupted by a signal.
@inline(__always)
func retryingEINTR(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(ZMQError) -> Int32 {
    while true {
        let rc = call()
        if rc >= 0 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(operation(), errno: code)
    }
}
