/// A whole run file checked: every message decoded, every stream's sequence numbers
/// followed from 0, every end-of-run compared with what the file holds. Each problem names
/// the byte offset of the message it concerns.
public struct RunFileReport: Sendable {
    public var messages = 0
    public var records: UInt64 = 0
    public var counts: [MessageKind: Int] = [:]
    /// The end-of-run of each (run, stream).
    public var endOfRuns: [String: EndOfRun] = [:]
    /// Dropped, duplicated or reordered messages, missing end-of-runs, totals that disagree.
    public var problems: [String] = []
    /// A message that does not decode (or broken framing): reading stopped there.
    public var malformed: String?

    public var isClean: Bool { problems.isEmpty && malformed == nil }

    private struct Stream {
        var tracker = SequenceTracker()
        var dataMessages: UInt64 = 0
        var records: UInt64 = 0
        var lastSequence: UInt64?
        var endOfRun: EndOfRun?
    }

    /// Reads `path` to its end (or its first malformed message). Throws only if the file
    /// cannot be opened or has no valid file header.
    public static func check(path: String) throws(RunFileReader.Failure) -> RunFileReport {
        let reader = try RunFileReader(path: path)
        var report = RunFileReport()
        var streams: [String: Stream] = [:]
        var order: [String] = []
        while true {
            let at = reader.offset
            let m: StreamMessage
            do {
                guard let parts = try reader.next() else { break }
                m = try StreamMessage.decode(parts)
            } catch let e as RunFileReader.Failure {
                report.malformed = e.description
                break
            } catch {
                report.malformed = "\(path): message at byte \(at): \(error)"
                break
            }
            report.messages += 1
            report.counts[m.kind, default: 0] += 1
            let key = "run \(m.runID), stream \(m.streamID)"
            if streams[key] == nil { order.append(key) }
            var s = streams[key] ?? Stream()
            let previous = s.lastSequence
            switch s.tracker.observe(m.sequence) {
            case .gap(let skipped):
                report.problems.append(
                    "byte \(at): \(key): sequence \(m.sequence) follows \(previous.map(String.init) ?? "the start"): \(skipped) message(s) missing")
            case .duplicate, .stale:
                report.problems.append("byte \(at): \(key): sequence \(m.sequence) is a duplicate")
            case .reordered:
                report.problems.append("byte \(at): \(key): sequence \(m.sequence) comes after \(previous ?? 0) (reordered)")
            case .inOrder: break
            }
            s.lastSequence = m.sequence
            switch m.payload {
            case .frames, .predictions, .decisions:
                s.dataMessages += 1
                s.records += UInt64(m.recordCount)
                report.records += UInt64(m.recordCount)
            case .endOfRun(let e):
                if s.endOfRun != nil { report.problems.append("byte \(at): \(key): a second end-of-run") }
                s.endOfRun = e
            case .runStart, .heartbeat: break
            }
            streams[key] = s
        }
        for key in order {
            let s = streams[key]!
            guard let e = s.endOfRun else {
                report.problems.append("\(key): no end-of-run (the run did not finish cleanly)")
                continue
            }
            report.endOfRuns[key] = e
            // A producer records what it dropped too: the file holds sent + dropped records.
            if e.droppedRecords == 0 && e.messages != s.dataMessages {
                report.problems.append("\(key): the end-of-run says \(e.messages) data messages, the file holds \(s.dataMessages)")
            }
            if e.records + e.droppedRecords != s.records {
                report.problems.append("\(key): the end-of-run says \(e.records) records sent and \(e.droppedRecords) dropped, the file holds \(s.records)")
            }
            if s.tracker.missing > 0 { report.problems.append("\(key): \(s.tracker.missing) message(s) missing in all") }
        }
        return report
    }
}
