import ArgumentParser
import Foundation
import ReadoutProtocol
import StageServices
import ZeroMQ

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole chain in one process, stages joined by inproc sockets.",
        discussion: """
            What exists so far: a test-pattern front end (synthetic codes, not physics) streaming \
            over an inproc PUSH/PULL pair to a consumer that checks every code and proves \
            completeness against the end-of-run totals. The sensor simulation, on-pixel \
            inference and trigger filter join this chain as they are built.
            """
    )

    @Option(help: "Frames messages to stream.")
    var messages = 2000

    @Option(help: "Records (clusters) per message.")
    var batch = 64

    @Option(help: "Seed of the test pattern.")
    var seed: UInt64 = 1

    func validate() throws {
        guard messages >= 0 else { throw ValidationError("--messages must not be negative, got \(messages)") }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1...100000, got \(batch)") }
    }

    func run() throws {
        let context = try Context()
        let endpoint = "inproc://pipeline-frames"
        var receiver = try StreamReceiver(context: context, endpoint: "bind:" + endpoint, pattern: .push)
        let producer = TestPatternProducer(source: TestPatternSource(seed: seed), messages: messages, batch: batch, runID: seed)
        let frontEnd = WorkerThread(name: "front-end") {
            do {
                var sender = try StreamSender(context: context, endpoint: "connect:" + endpoint, pattern: .push, runID: producer.runID)
                _ = try producer.run(on: &sender)
            } catch {
                FileHandle.standardError.write(Data("front end failed: \(error)\n".utf8))
                context.shutdown()
            }
        }
        print("pipeline: test-pattern front end -> inproc PUSH/PULL -> checking consumer (\(messages) x \(batch) records of 13x21x20, 2-bit codes)")
        let s = try receiver.consumeRun(idleTimeout: .seconds(30), verifyPattern: seed)
        frontEnd.join()
        print(
            String(
                format: "received %llu records in %llu messages, %.1f MB, in %.3f s: %.0f records/s", s.records, s.dataMessages, Double(s.bytes) / 1e6,
                s.seconds, Double(s.records) / max(s.seconds, 1e-9)))
        print(
            "end-of-run: \(s.recordsSent.map(String.init) ?? "missing") records sent; missing messages \(s.missingMessages); malformed \(s.malformed); pattern mismatches \(s.patternMismatches)"
        )
        guard s.complete, s.patternMismatches == 0 else {
            print("pipeline: INCOMPLETE")
            throw ExitCode(3)
        }
        print("pipeline: complete, every record accounted for")
    }
}
