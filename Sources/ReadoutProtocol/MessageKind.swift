/// What a message carries (header byte 6).
public enum MessageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case runStart = 1
    case frames = 2
    case predictions = 3
    case decisions = 4
    case endOfRun = 5
    case heartbeat = 6

    public var description: String {
        switch self {
        case .runStart: "run-start"
        case .frames: "frames"
        case .predictions: "predictions"
        case .decisions: "decisions"
        case .endOfRun: "end-of-run"
        case .heartbeat: "heartbeat"
        }
    }
}
