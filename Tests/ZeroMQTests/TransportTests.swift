import Foundation
import Testing

@testable import ZeroMQ

@Suite struct TransportTests {
    /// NAME is replaced per test: tests run in parallel and must not share an ipc path.
    static let endpoints = ["inproc://NAME", "ipc:///tmp/smartpix-zmq-\(getpid())-NAME.ipc", "tcp://127.0.0.1:*"]

    @Test(arguments: endpoints)
    func pushPullDeliversEveryMessageInOrder(endpoint: String) throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        try pull.setReceiveTimeout(.seconds(60))  // a lost message fails the test instead of hanging it
        let bound = try pull.bind(endpoint.replacingOccurrences(of: "NAME", with: "in-order"))
        if endpoint.hasPrefix("tcp") { #expect(!bound.hasSuffix(":*") && bound.hasPrefix("tcp://127.0.0.1:")) }
        // The sender keeps its socket open until everything arrived: closing it would drop
        // what is still queued once the (finite) linger has passed.
        let received = DispatchSemaphore(value: 0)
        let sender = spawn {
            let push = try! Socket(ctx, .push)
            try! push.connect(bound)
            for i in 0..<2000 { try! push.send(Array("message \(i)".utf8)) }
            _ = received.waitAtMost(60)
            _ = push.type  // a use after the wait: the socket lives until here
        }
        let message = Message()
        defer { received.signal() }
        for i in 0..<2000 {
            try #require(try pull.receive(into: message))
            #expect(String(decoding: message.bytes, as: UTF8.self) == "message \(i)")
        }
        received.signal()
        #expect(sender.waitAtMost(60))
    }

    @Test(arguments: endpoints)
    func multipartMessagesArriveWhole(endpoint: String) throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        try pull.setReceiveTimeout(.seconds(60))
        let bound = try pull.bind(endpoint.replacingOccurrences(of: "NAME", with: "multipart"))
        let count = 3000
        let received = DispatchSemaphore(value: 0)
        defer { received.signal() }
        let sender = spawn {
            let push = try! Socket(ctx, .push)
            try! push.setSendHighWaterMark(10)  // force the sender to block often
            try! push.connect(bound)
            for i in 0..<count {
                let n = 1 + i % 5
                try! push.send(multipart: (0..<n).map { p in [UInt8(n), UInt8(p)] + [UInt8](repeating: UInt8(i & 255), count: (i * 7 + p) % 300) })
            }
            _ = received.waitAtMost(60)  // closing now would drop what is still queued
            _ = push.type
        }
        let parts = MessageParts()
        for i in 0..<count {
            try #require(try pull.receive(into: parts))
            let n = 1 + i % 5
            #expect(parts.count == n, "message \(i) has \(parts.count) parts")
            for p in 0..<parts.count {
                let b = parts[p].bytes
                #expect(b[0] == UInt8(n) && b[1] == UInt8(p) && b.count == 2 + (i * 7 + p) % 300)
            }
        }
        received.signal()
        #expect(sender.waitAtMost(60))
    }

    @Test func zeroCopyBufferLivesUntilLibzmqIsDone() throws {
        weak var weakBuffer: OwnedBuffer?
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        let bound = try pull.bind("inproc://zero-copy")
        let push = try Socket(ctx, .push)
        try push.connect(bound)
        let message = Message()
        do {
            let buffer = OwnedBuffer(count: 1 << 20)
            for i in 0..<buffer.count { buffer.bytes[i] = UInt8(i % 251) }
            weakBuffer = buffer
            #expect(try push.sendZeroCopy(buffer))
        }
        // Only libzmq holds it now; the receiver gets the very same bytes.
        #expect(weakBuffer != nil)
        #expect(try pull.receive(into: message))
        #expect(message.count == 1 << 20)
        #expect(message.bytes[1000] == UInt8(1000 % 251) && message.bytes[(1 << 20) - 1] == UInt8(((1 << 20) - 1) % 251))
        // Receiving into the message again releases the previous content.
        try push.send([1])
        #expect(try pull.receive(into: message))
        #expect(weakBuffer == nil)
    }

    @Test func receiveIntoSmallBufferReportsTruncation() throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        let bound = try pull.bind("inproc://truncation")
        let push = try Socket(ctx, .push)
        try push.connect(bound)
        try push.send([UInt8](repeating: 7, count: 100))
        try push.send([UInt8](repeating: 8, count: 10))
        var buffer = [UInt8](repeating: 0, count: 16)
        let first = try buffer.withUnsafeMutableBytes { try pull.receive(into: $0) }
        #expect(first == ReceivedSize(messageSize: 100, stored: 16))
        #expect(first?.truncated == true && buffer.allSatisfy { $0 == 7 })
        let second = try buffer.withUnsafeMutableBytes { try pull.receive(into: $0) }
        #expect(second == ReceivedSize(messageSize: 10, stored: 10))
        #expect(second?.truncated == false)
    }

    @Test func pollReportsReadinessAndTimesOut() throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        let bound = try pull.bind("inproc://poll")
        #expect(try pull.poll(.readable, timeout: .milliseconds(20)).isEmpty)
        let push = try Socket(ctx, .push)
        try push.connect(bound)
        #expect(try push.poll(.writable, timeout: .zero) == .writable)
        try push.send([42])
        #expect(try pull.poll(.readable, timeout: .seconds(30)) == .readable)
        let ready = try poll([pull.pollItem(.readable), push.pollItem(.writable)], timeout: .zero)
        #expect(ready == [.readable, .writable])
        #expect(try pull.receive(into: Message(), dontWait: true))
        #expect(try !pull.receive(into: Message(), dontWait: true))
    }

    @Test func shutdownUnblocksABlockedReceivePromptly() throws {
        let ctx = try Context()
        let started = DispatchSemaphore(value: 0)
        let outcome = Box<String>("still blocked")
        let receiver = spawn {
            let pull = try! Socket(ctx, .pull)
            try! pull.bind("inproc://shutdown")
            started.signal()
            do {
                _ = try pull.receive(into: Message())
                outcome.value = "received"
            } catch {
                outcome.value = (error as? ZMQError)?.isContextTerminated == true ? "terminated" : "\(error)"
            }
        }
        #expect(started.waitAtMost(30))
        Thread.sleep(forTimeInterval: 0.05)
        ctx.shutdown()
        #expect(receiver.waitAtMost(30), "receive did not return after shutdown")
        #expect(outcome.value == "terminated")
    }

    @Test func errorsCarryErrnoAndLibzmqText() throws {
        let ctx = try Context()
        let a = try Socket(ctx, .pull)
        let endpoint = try a.bind("tcp://127.0.0.1:*")
        let b = try Socket(ctx, .pull)
        #expect {
            try b.bind(endpoint)
        } throws: { error in
            let e = error as! ZMQError
            return e.errno == EADDRINUSE && e.description.contains(endpoint) && e.message.lowercased().contains("address")
        }
        #expect(throws: ZMQError.self) { try b.bind("nonsense://endpoint") }
        #expect(throws: ZMQError.self) { try b.connect("tcp://") }
    }

    @Test func finiteDefaultLingerLetsAContextWithUnsentMessagesTerminate() throws {
        // A PUSH connected to nobody keeps its message queued; with libzmq's infinite default
        // linger, dropping the context would hang here.
        let finished = spawn {
            let ctx = try! Context()
            let push = try! Socket(ctx, .push)
            try! push.connect("tcp://127.0.0.1:1")
            _ = try! push.send([1, 2, 3], dontWait: true)
        }
        #expect(finished.waitAtMost(60), "closing a socket with pending messages hung")
        #expect(Socket.defaultLinger == .seconds(1))
    }

    @Test func xpubNoDropReportsAFullSubscriber() throws {
        let ctx = try Context()
        let pub = try Socket(ctx, .xpub)
        try pub.setSendHighWaterMark(2)
        try pub.setXPubNoDrop(true)
        let endpoint = try pub.bind("inproc://nodrop")
        let sub = try Socket(ctx, .sub)
        try sub.setReceiveHighWaterMark(2)
        try sub.connect(endpoint)
        try sub.subscribe()
        // Wait for the subscription to reach the publisher.
        #expect(try pub.receive(into: Message()))
        var sent = 0, refused = 0
        for _ in 0..<100 {
            if try pub.send([0], dontWait: true) { sent += 1 } else { refused += 1 }
        }
        #expect(refused > 0 && sent + refused == 100)
        var got = 0
        while try sub.receive(into: Message(), dontWait: true) { got += 1 }
        #expect(got == sent)
    }
}
