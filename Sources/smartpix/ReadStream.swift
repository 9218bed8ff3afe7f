import ArgumentParser
import Foundation
import StageServices
import ZeroMQ

struct ReadStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-stream",
        abstract: "Receive one run, account for every message and compare with its end-of-run.",
        discussion: """
            Exits 0 when the end-of-run arrived, every record it announces was received and no \
            hop above lost anything (the totals of every hop travel down in the end-of-run); 3 \
            when anything was lost, dropped, malformed or (with --verify-seed) wrong, here or \
            upstream; 4 when no end-of-run came within the idle timeout.
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Seconds without any message after which the run is given up (positive, at most 86400).")
    var idleTimeout: Double = 10

    func validate() throws {
        guard stream.endpoints.count == 1 else { throw ValidationError("--endpoint: read-stream reads one stream; give it once") }
        guard idleTimeout.isFinite, idleTimeout > 0, idleTimeout <= 86400 else {
            throw ValidationError("--idle-timeout must be a positive number of seconds up to 86400, got \(idleTimeout)")
        }
    }

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
        let s = try receiver.consumeRun(idleTimeout: .milliseconds(Int64((idleTimeout * 1000).rounded())), verifyPattern: verifySeed)
        if json {
            try printJSON(s)
        } else {
            print("received \(s.messages) messages (\(s.dataMessages) data), \(s.records) records, \(s.bytes) bytes in \(String(format: "%.3f", s.seconds)) s")
            print(
                "end-of-run: \(s.endOfRunSeen ? "records sent \(s.recordsSent ?? 0), dropped upstream \(s.recordsDroppedBySender ?? 0), malformed upstream \(s.upstreamMalformed ?? 0), missed upstream \(s.upstreamMissed ?? 0)" : "not received")"
            )
            print(
                "missing messages \(s.missingMessages), duplicates \(s.duplicates), malformed \(s.malformed)\(s.lastMalformedReason.map { " (last: \($0))" } ?? "")"
            )
            if verifySeed != nil { print("pattern mismatches \(s.patternMismatches)") }
            print(s.complete ? "complete end to end" : "INCOMPLETE: \(s.shortfalls.joined(separator: "; "))")
        }
        if !s.endOfRunSeen { throw ExitCode(4) }
        if !s.complete || s.patternMismatches > 0 { throw ExitCode(3) }
    }
}
