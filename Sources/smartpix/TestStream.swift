import ArgumentParser
import Foundation
import ReadoutProtocol
import StageServices
import ZeroMQ

struct TestStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-stream",
        abstract: "Stream a synthetic test-pattern run (not physics) to check consumers and transport.",
        discussion: """
            Sends run-start, MESSAGES frames batches of BATCH records (one per bunch crossing) \
            and end-of-run with totals. Each pixel's code is a hash of (seed, record, pixel); \
            `smartpix read-stream --verify-seed` checks every code. With --charge each pixel \
            also carries code x 400 electrons; with --truth each record carries 13 labels.
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Frames messages to send.")
    var messages = 100

    @Option(help: "Records (clusters) per message.")
    var batch = 64

    @Option(help: "Bits per pixel code: 2, 4 or 8.")
    var bits = 2

    @Flag(help: "Signed (two's complement) codes instead of unsigned ADC counts.")
    var signed = false

    @Option(help: "Time slices per frame (1...255).")
    var slices = 20

    @Flag(help: "Add the float32 charge part.")
    var charge = false

    @Flag(help: "Add the truth-label part.")
    var truth = false

    @Option(help: "Pattern seed.")
    var seed: UInt64 = 1

    @Option(help: "Run id written in every header.")
    var runID: UInt64 = 1

    @Option(help: "Also write every message to this run file (see docs/wire-protocol.md).")
    var record: String?

    @Option(help: "With --pattern pub: seconds to wait for a first subscriber before sending (0: do not wait).")
    var waitSubscriber: Double = 5

    func validate() throws {
        guard CodeFormat.allowedBits.contains(bits) else { throw ValidationError("--bits must be 2, 4 or 8, got \(bits)") }
        guard (1...255).contains(slices) else { throw ValidationError("--slices must be 1...255, got \(slices)") }
        guard messages >= 0 else { throw ValidationError("--messages must not be negative, got \(messages)") }
        guard (1...1_000_000).contains(batch) else { throw ValidationError("--batch must be 1...1000000, got \(batch)") }
        if stream.endpoints.count > 1, record != nil { throw ValidationError("--record records one stream; give one --endpoint") }
    }

    func run() throws {
        installStopSignals()
        let context = try Context()
        var sender: FanOutSender
        do {
            sender = try FanOutSender(
                context: context, endpoints: stream.endpoints, pattern: stream.pattern, runID: runID, streamID: 0, highWaterMark: stream.highWaterMark)
        } catch {
            throw ValidationError("--endpoint: \(error)")
        }
        if let record {
            do { sender.record(to: try RunFileWriter(path: record)) } catch { throw ValidationError("--record: \(error)") }
        }
        FileHandle.standardError.write(Data("test-stream: \(stream.pattern) on \(sender.endpoints.joined(separator: ", "))\n".utf8))
        if stream.pattern == .pub, waitSubscriber > 0 { sender.waitForSubscriber(timeout: .milliseconds(Int(waitSubscriber * 1000))) }
        let source = TestPatternSource(
            shape: FrameShape(rows: 13, columns: 21, slices: slices), codeFormat: CodeFormat(bits: bits, signed: signed), includeCharge: charge,
            includeTruth: truth, seed: seed)
        let (totals, delivered) = try TestPatternProducer(source: source, messages: messages, batch: batch, runID: runID).run(
            on: &sender, stop: processStopFlag)
        if processStopFlag.isStopped { print("stopped by a signal after \(totals.messages) of \(messages) messages") }
        print(
            "sent \(totals.messages) messages, \(totals.records) records, \(totals.droppedRecords) dropped; end-of-run \(delivered ? "delivered" : "NOT delivered")"
        )
        if sender.count > 1 {
            for o in sender.outputTotals {
                print(
                    "output \(o.streamID) (\(o.endpoint)): \(o.records) records in \(o.messages) messages; end-of-run \(o.endOfRunDelivered ? "delivered" : "NOT delivered")"
                )
            }
        }
    }
}
