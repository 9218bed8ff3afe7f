import ArgumentParser
import ReadoutProtocol

struct InspectRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-run",
        abstract: "Check a run file message by message and summarize it.",
        discussion: "Decodes every message (the same checks as on a socket); exits 3 at the first malformed one, naming its byte offset."
    )

    @Argument(help: "Run file (.spxr) written with --record.")
    var file: String

    func run() throws {
        let reader: RunFileReader
        do { reader = try RunFileReader(path: file) } catch { throw ValidationError("\(error)") }
        var counts: [MessageKind: Int] = [:]
        var records = 0
        var tracker = SequenceTracker()
        var endOfRun: EndOfRun?
        while true {
            let at = reader.offset
            let parts: [[UInt8]]
            do {
                guard let p = try reader.next() else { break }
                parts = p
            } catch {
                print("error: \(error)")
                throw ExitCode(3)
            }
            do {
                let m = try StreamMessage.decode(parts)
                counts[m.kind, default: 0] += 1
                records += m.recordCount
                tracker.observe(m.sequence)
                if case .endOfRun(let e) = m.payload { endOfRun = e }
            } catch {
                print("error: \(file): message at byte \(at): \(error)")
                throw ExitCode(3)
            }
        }
        print("\(file): \(counts.values.reduce(0, +)) messages, \(records) records")
        for kind in MessageKind.allCases where counts[kind] != nil { print("  \(kind): \(counts[kind]!)") }
        print("  missing sequence numbers: \(tracker.missing)")
        if let e = endOfRun {
            print("  end-of-run: \(e.messages) messages, \(e.records) records, \(e.bunchCrossings) bunch crossings, \(e.droppedRecords) dropped")
        } else {
            print("  no end-of-run (the run did not finish cleanly)")
        }
    }
}
