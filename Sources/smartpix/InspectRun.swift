import ArgumentParser
import ReadoutProtocol

struct InspectRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-run",
        abstract: "Check a run file message by message and summarize it.",
        discussion: """
            Decodes every message (the same checks as on a socket), follows each stream's \
            sequence numbers from 0 and compares every end-of-run with what the file holds. \
            Exits 0 for a clean run; 3 for a malformed message (reading stops there), a dropped, \
            duplicated or reordered message, a missing end-of-run, or totals that disagree, each \
            named with its byte offset.
            """
    )

    @Argument(help: "Run file (.spxr) written with --record.")
    var file: String

    func run() throws {
        let report: RunFileReport
        do { report = try RunFileReport.check(path: file) } catch { throw ValidationError("\(error)") }
        print("\(file): \(report.messages) messages, \(report.records) records")
        for kind in MessageKind.allCases where report.counts[kind] != nil { print("  \(kind): \(report.counts[kind]!)") }
        for (key, e) in report.endOfRuns.sorted(by: { $0.key < $1.key }) {
            print("  \(key) end-of-run: \(e.messages) messages, \(e.records) records, \(e.bunchCrossings) bunch crossings, \(e.droppedRecords) dropped")
        }
        for p in report.problems { print("error: \(p)") }
        if let m = report.malformed { print("error: \(m)") }
        if !report.isClean { throw ExitCode(3) }
        print("  clean: every message decodes, no sequence gap, duplicate or reordering, totals agree")
    }
}
