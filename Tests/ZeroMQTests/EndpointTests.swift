import Foundation
import Testing

@testable import ZeroMQ

@Suite struct EndpointTests {
    /// libzmq itself takes 99999 modulo 65536 and binds 34463.
    @Test(arguments: ["tcp://127.0.0.1:99999", "tcp://127.0.0.1:0", "tcp://127.0.0.1:-1", "tcp://127.0.0.1:port", "tcp://127.0.0.1"])
    func portsOutsideTheRangeAreRefusedOnBindAndConnect(endpoint: String) throws {
        let ctx = try Context()
        let s = try Socket(ctx, .pull)
        #expect(throws: ZMQError.self) { try s.bind(endpoint) }
        do {
            try s.connect(endpoint)
            Issue.record("connect(\(endpoint)) was accepted")
        } catch {
            #expect(error.errno == EINVAL)
            #expect(error.description.contains("1-65535") || error.description.contains("needs a port"))
        }
    }

    @Test func wildcardAndValidPortsStillWork() throws {
        let ctx = try Context()
        let s = try Socket(ctx, .pull)
        let bound = try s.bind("tcp://127.0.0.1:*")
        let c = try Socket(ctx, .push)
        try c.connect(bound)
        try c.connect("tcp://127.0.0.1:65535")  // connect is lazy: the port only has to be valid
    }

    /// libzmq 4.3 leaves the socket file behind on close; the Socket removes it.
    @Test func anIPCSocketFileIsRemovedWhenTheSocketCloses() throws {
        let path = "/tmp/smartpix-zmq-\(getpid())-cleanup.ipc"
        let ctx = try Context()
        do {
            let s = try Socket(ctx, .pull)
            try s.bind("ipc://\(path)")
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// ZMQ_MAXMSGSIZE: a part over the limit drops the connection before it is read; the
    /// receiver goes on taking messages from peers that keep to it.
    @Test func aMessageOverTheSizeLimitIsRefusedByLibzmq() throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        try pull.setMaxMessageSize(1 << 20)
        let bound = try pull.bind("tcp://127.0.0.1:*")
        do {
            let big = try Socket(ctx, .push)
            try big.connect(bound)
            try big.send([UInt8](repeating: 7, count: 2 << 20))
            let message = Message()
            #expect(try pull.poll(.readable, timeout: .milliseconds(500)).isEmpty)
            #expect(try !pull.receive(into: message, dontWait: true))
            try big.setLinger(.zero)
        }
        let small = try Socket(ctx, .push)
        try small.connect(bound)
        try small.send([UInt8](repeating: 1, count: 1000))
        let message = Message()
        try pull.setReceiveTimeout(.seconds(30))
        #expect(try pull.receive(into: message))
        #expect(message.bytes.count == 1000)
    }
}
