import Dispatch
import ZeroMQ

/// Throughput of the socket layer alone: a PUSH thread sends `count` messages of `size`
/// bytes to a PULL socket in the same process and context. Timed like libzmq's own
/// local_thr: from the first message received to the last, and rated as `count` over that
/// time, so the figures compare one to one.
public struct TransportBenchmark: Sendable {
    public enum Transport: String, Sendable, CaseIterable {
        case tcp, ipc, inproc

        /// Binds `socket` on this machine: a free loopback tcp port, an ipc file named after
        /// `name` and this process, or an inproc name. Returns the endpoint bound.
        func bindLocal(_ socket: borrowing Socket, name: String) throws(ZMQError) -> String {
            switch self {
            case .tcp: try socket.bind("tcp://127.0.0.1:*")
            case .ipc: try socket.bind("ipc:///tmp/\(name)-\(ProcessIdentity.current).ipc")
            case .inproc: try socket.bind("inproc://\(name)")
            }
        }
    }

    public struct Result: Sendable, Codable {
        public let transport: String
        public let sendMode: String
        public let messageSize: Int
        public let messages: Int
        public let seconds: Double
        public let msgsPerS: Double
        public let mbPerS: Double

        enum CodingKeys: String, CodingKey {
            case transport, sendMode = "send_mode", messageSize = "message_size", messages, seconds
            case msgsPerS = "msgs_per_s", mbPerS = "mb_per_s"
        }
    }

    /// How the sender hands bytes to libzmq: `copy` (zmq_send copies the buffer into each
    /// message) or `zeroCopy` (each message points at one prepared buffer, as a producer does
    /// with an encoded batch; libzmq's perf tools likewise never write the payload).
    public enum SendMode: String, Sendable, CaseIterable {
        case copy
        case zeroCopy = "zero-copy"
    }

    public var transport: Transport
    public var sendMode: SendMode
    public var messageSize: Int
    public var count: Int
    /// libzmq I/O threads; tcp and ipc use them, inproc does not.
    public var ioThreads: Int

    public init(transport: Transport, sendMode: SendMode = .zeroCopy, messageSize: Int, count: Int, ioThreads: Int = 1) {
        self.transport = transport
        self.sendMode = sendMode
        self.messageSize = messageSize
        self.count = count
        self.ioThreads = ioThreads
    }

    public func run() throws -> Result {
        precondition(count >= 2, "at least two messages are needed to time the interval between them")
        let context = try Context(ioThreads: ioThreads)
        let pull = try Socket(context, .pull)
        let endpoint = try transport.bindLocal(pull, name: "smartpix-bench")
        let size = messageSize, count = count, mode = sendMode
        // The sender keeps its socket open until the receiver has everything: closing it
        // earlier would drop what is still queued once the linger has passed.
        let received = DispatchSemaphore(value: 0)
        defer { received.signal() }
        let sender = WorkerThread(name: "bench-sender") {
            do {
                let push = try Socket(context, .push)
                try push.connect(endpoint)
                let payload = OwnedBuffer(count: size)
                payload.bytes.initializeMemory(as: UInt8.self, repeating: 0)
                switch mode {
                case .copy:
                    let bytes = UnsafeRawBufferPointer(payload.bytes)
                    for _ in 0..<count { try push.send(bytes) }
                case .zeroCopy:
                    for _ in 0..<count { try push.sendZeroCopy(payload) }
                }
                received.wait()
                _ = push.type
            } catch {
                context.shutdown()  // unblocks the receiver, which then reports the failure
            }
        }
        let message = Message()
        _ = try pull.receive(into: message)
        let start = ContinuousClock.now
        for _ in 1..<count {
            _ = try pull.receive(into: message)
            guard message.count == size else { throw BenchmarkError("received \(message.count) bytes, expected \(size)") }
        }
        let elapsed = ContinuousClock.now - start
        received.signal()
        sender.join()
        let seconds = max(elapsed.seconds, 1e-9)
        let rate = Double(count) / seconds
        return Result(
            transport: transport.rawValue, sendMode: mode.rawValue, messageSize: size, messages: count, seconds: seconds, msgsPerS: rate,
            mbPerS: rate * Double(size) / 1e6)
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
