import CZMQ

/// A libzmq socket. libzmq sockets are not thread-safe, so a `Socket` is neither copyable
/// nor `Sendable`: the thread that creates it is the only one that can use it, and the
/// compiler enforces that. It closes itself when it goes out of scope.
public struct Socket: ~Copyable {
    let handle: UnsafeMutableRawPointer
    public let context: Context
    public let type: SocketType
    /// Socket files of ipc endpoints this socket bound, removed when it closes.
    private let ipcFiles = IPCFiles()

    /// The linger every new socket gets: pending messages are kept at most this long on
    /// close, so that terminating a context never hangs on an absent peer.
    public static let defaultLinger: Duration = .seconds(1)

    public init(_ context: Context, _ type: SocketType) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, type.raw) else {
            throw ZMQError("zmq_socket(\(type))")
        }
        var linger = milliseconds(Self.defaultLinger)
        guard zmq_setsockopt(h, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size) == 0 else {
            let error = ZMQError("setsockopt(ZMQ_LINGER)")
            zmq_close(h)
            throw error
        }
        self.handle = h
        self.context = context
        self.type = type
    }

    deinit {
        zmq_close(handle)
        ipcFiles.removeAll()
    }

    /// Binds and returns the endpoint actually bound (`tcp://127.0.0.1:*` picks a free port).
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        try Endpoint.check(endpoint, operation: "bind(\(endpoint))")
        _ = try retryingEINTR("bind(\(endpoint))") { zmq_bind(handle, endpoint) }
        let bound = try lastEndpoint()
        if let file = Endpoint.ipcFile(bound) { ipcFiles.paths.append(file) }
        return bound
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        try Endpoint.check(endpoint, operation: "connect(\(endpoint))")
        _ = try retryingEINTR("connect(\(endpoint))") { zmq_connect(handle, endpoint) }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        _ = try retryingEINTR("unbind(\(endpoint))") { zmq_unbind(handle, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        _ = try retryingEINTR("disconnect(\(endpoint))") { zmq_disconnect(handle, endpoint) }
    }

    /// Binds if `endpoint` starts with `bind:` or has a wildcard host (`*`), connects if it
    /// starts with `connect:`; otherwise `defaultBind` decides. Returns the resolved endpoint.
    @discardableResult
    public func attach(_ endpoint: String, defaultBind: Bool) throws(ZMQError) -> String {
        if endpoint.hasPrefix("bind:") { return try bind(String(endpoint.dropFirst(5))) }
        if endpoint.hasPrefix("connect:") {
            let target = String(endpoint.dropFirst(8))
            try connect(target)
            return target
        }
        if defaultBind { return try bind(endpoint) }
        try connect(endpoint)
        return endpoint
    }
}

@available(*, unavailable, message: "a libzmq socket belongs to one thread; create it there")
extension Socket: Sendable {}
