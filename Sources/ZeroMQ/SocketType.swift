import CZMQ

/// The socket patterns the readout chain uses.
public enum SocketType: Sendable, CustomStringConvertible {
    /// Lossless pipeline stages: PUSH blocks (back-pressure) when every peer is at its high-water mark.
    case push, pull
    /// Monitoring taps: PUB drops silently at the high-water mark, XPUB with `setXPubNoDrop` reports it.
    case pub, sub, xpub, xsub
    case pair

    var raw: Int32 {
        switch self {
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .pair: ZMQ_PAIR
        }
    }

    public var description: String {
        switch self {
        case .push: "PUSH"
        case .pull: "PULL"
        case .pub: "PUB"
        case .sub: "SUB"
        case .xpub: "XPUB"
        case .xsub: "XSUB"
        case .pair: "PAIR"
        }
    }
}
