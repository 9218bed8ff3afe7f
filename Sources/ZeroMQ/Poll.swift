import CZMQ

public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// A message can be received without blocking.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// One socket and the events to wait for, for `poll(_:timeout:)`. It refers to the socket
/// without owning it: use it only while the socket is alive, on the socket's thread.
public struct PollItem {
    let handle: UnsafeMutableRawPointer
    public let events: PollEvents
}

@available(*, unavailable)
extension PollItem: Sendable {}

extension Socket {
    public func pollItem(_ events: PollEvents) -> PollItem { PollItem(handle: handle, events: events) }

    /// Waits up to `timeout` (`nil`: forever) for `events`; returns those that are ready.
    public func poll(_ events: PollEvents, timeout: Duration?) throws(ZMQError) -> PollEvents {
        try ZeroMQ.poll([pollItem(events)], timeout: timeout)[0]
    }
}

/// Waits up to `timeout` for any of the items; returns the ready events of each, in order.
/// An interrupting signal does not end the wait early with an error: it is retried.
public func poll(_ items: [PollItem], timeout: Duration?) throws(ZMQError) -> [PollEvents] {
    var raw = items.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: $0.events.rawValue, revents: 0) }
    _ = try retryingEINTR("zmq_poll(\(items.count) items)") {
        zmq_poll(&raw, Int32(raw.count), Int(milliseconds(timeout)))
    }
    return raw.map { PollEvents(rawValue: $0.revents) }
}
