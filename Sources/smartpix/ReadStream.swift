import ArgumentParser
import Foundation
import StageServices
import ZeroMQ

struct ReadStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-stream",
        abstract: "Receive one run, account for every message and compare with its end-of-run.",
        discussion: """
            Exits 0 when the end-of-run arrived and every record it announces was received; \
            3 when anything was lost, malformed or (with --verify-seed) wrong; 4 when no \
            end-of-run came within the idle timeout.
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Seconds without any message after which the run is given up.")
    var idleTimeout: Double = 10

    @Option(help: "Check every code against the test pattern of this seed (see test-stream).")
    var verifySeed: UInt64?

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        let context = try Context()
        var receiver: StreamReceiver
        do {
            receiver = try StreamReceiver(
                context: context, endpoint: stream.endpoint, pattern: stream.pattern, highWaterMark: stream.highWaterMark,
                expectFromStart: stream.pattern == .push)
        } catch {
            throw ValidationError("--endpoint \(stream.endpoint): \(error.message)")
        }
        let s = try receiver.consumeRun(idleTimeout: .milliseconds(Int(idleTimeout * 1000)), verifyPattern: verifySeed)
        if json {
            try printJSON(s)
        } else {
            print("received \(s.messages) messages (\(s.dataMessages) data), \(s.records) records, \(s.bytes) bytes in \(String(format: "%.3f", s.seconds)) s")
            print("end-of-run: \(s.endOfRunSeen ? "records sent \(s.recordsSent ?? 0), dropped by sender \(s.recordsDroppedBySender ?? 0)" : "not received")")
            print(
                "missing messages \(s.missingMessages), duplicates \(s.duplicates), malformed \(s.malformed)\(s.lastMalformedReason.map { " (last: \($0))" } ?? "")"
            )
            if verifySeed != nil { print("pattern mismatches \(s.patternMismatches)") }
        }
        if !s.endOfRunSeen { throw ExitCode(4) }
        if !s.complete || s.patternMismatches > 0 { throw ExitCode(3) }
    }
}
