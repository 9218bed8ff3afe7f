import ReadoutProtocol
import ZeroMQ

/// What a receiver has seen of the streams reaching it.
public struct ReceiverStats: Sendable, Equatable {
    public var messages: UInt64 = 0
    public var records: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Messages that failed to decode: counted and skipped.
    public var malformed: UInt64 = 0
    public var lastMalformedReason: String?
    /// Messages announced by sequence numbers but never received, over all streams.
    public var missing: UInt64 = 0
    /// Messages received again (or too late to tell): counted, not delivered.
    public var duplicates: UInt64 = 0
    public var reordered: UInt64 = 0
    public var endOfRunsSeen = 0
}

/// One stream's account: what arrived against what its end-of-run says was sent.
public struct StreamAccount: Sendable, Equatable {
    public var tracker: SequenceTracker
    public var dataMessages: UInt64 = 0
    public var records: UInt64 = 0
    public var endOfRun: EndOfRun?

    /// Records the sender sent that never arrived (known once end-of-run is in).
    public var lostRecords: UInt64? {
        guard let e = endOfRun else { return nil }
        return e.records >= records ? e.records - records : 0
    }
}

/// The receiving end: takes messages from one socket, decodes them, counts and skips
/// malformed ones, and keeps a sequence account per (run, stream).
public struct StreamReceiver: ~Copyable {
    public let socket: Socket
    public let endpoint: String
    public private(set) var stats = ReceiverStats()
    public private(set) var accounts: [StreamKey: StreamAccount] = [:]
    /// What decoding does with packed pixel codes (a stage that only forwards frames keeps
    /// them packed).
    public var codeDecoding: StreamMessage.CodeDecoding = .unpacked
    private let parts = MessageParts()
    /// Whether a new stream should start at sequence 0 (a lossless consumer) or at whatever
    /// arrives first (a tap that joins a running stream).
    private let expectFromStart: Bool

    /// 1 GiB: no message part of a valid stream is larger (the run file's own limit).
    public static let defaultMaxMessageBytes = RunFile.maxPartBytes

    public struct StreamKey: Hashable, Sendable {
        public let runID: UInt64
        public let streamID: UInt32
    }

    /// - Parameters:
    ///   - pattern: `.push` makes a PULL socket, `.pub` a SUB socket subscribed to everything.
    ///   - bind: bind instead of connect (a `bind:`/`connect:` prefix on the endpoint overrides).
    ///   - expectFromStart: count messages before the first one received as missing.
    ///   - maxMessageBytes: a larger message part makes libzmq drop its connection before
    ///     reading it (the run file's part limit by default).
    public init(
        context: Context, endpoint: String, pattern: StreamPattern, bind: Bool = false, highWaterMark: Int = 1000, expectFromStart: Bool = true,
        maxMessageBytes: Int = StreamReceiver.defaultMaxMessageBytes
    ) throws(ZMQError) {
        let s = try Socket(context, pattern == .push ? .pull : .sub)
        try s.setReceiveHighWaterMark(highWaterMark)
        try s.setMaxMessageSize(maxMessageBytes)
        if pattern == .pub { try s.subscribe() }
        self.endpoint = try s.attach(endpoint, defaultBind: bind)
        self.socket = s
        self.expectFromStart = expectFromStart
    }

    /// The next well-formed message, or `nil` if none arrived within `timeout` (`nil`: wait
    /// forever). Malformed messages are counted in `stats` and skipped.
    public mutating func next(timeout: Duration?) throws(ZMQError) -> StreamMessage? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero, try !socket.poll(.readable, timeout: left).isEmpty else { return nil }
            }
            guard try socket.receive(into: parts, dontWait: deadline != nil) else { continue }
            stats.bytes += UInt64(parts.totalBytes)
            do {
                let message = try StreamMessage.decode(buffers: parts.buffers, codes: codeDecoding)
                if account(message) { return message }
            } catch {
                stats.malformed += 1
                stats.lastMalformedReason = error.description
            }
        }
    }

    /// Books a decoded message; returns `false` for one already seen (counted, not delivered).
    private mutating func account(_ m: StreamMessage) -> Bool {
        let key = StreamKey(runID: m.runID, streamID: m.streamID)
        var a = accounts[key] ?? StreamAccount(tracker: SequenceTracker(firstExpected: expectFromStart ? 0 : nil))
        let missingBefore = a.tracker.missing
        let event = a.tracker.observe(m.sequence)
        defer { accounts[key] = a }
        switch event {
        case .duplicate, .stale:
            stats.duplicates += 1
            return false
        case .reordered: stats.reordered += 1
        case .inOrder, .gap: break
        }
        stats.missing = stats.missing - missingBefore + a.tracker.missing
        stats.messages += 1
        switch m.payload {
        case .frames, .predictions, .decisions:
            a.dataMessages += 1
            a.records += UInt64(m.recordCount)
            stats.records += UInt64(m.recordCount)
        case .endOfRun(let e):
            a.endOfRun = e
            stats.endOfRunsSeen += 1
        case .runStart, .heartbeat: break
        }
        return true
    }
}
