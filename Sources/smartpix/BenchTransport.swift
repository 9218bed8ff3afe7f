import ArgumentParser
import Foundation
import StageServices

extension TransportBenchmark.Transport: ExpressibleByArgument {}
extension TransportBenchmark.SendMode: ExpressibleByArgument {}

struct BenchTransport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Socket throughput: PUSH to PULL in one process and one context.",
        discussion: """
            Timed as libzmq's local_thr times it (from the first message received to the last, \
            COUNT over that interval), so the figures compare directly with libzmq's perf tools \
            (scripts/bench-transport-vs-libzmq.sh runs both). MB/s counts payload bytes, 10^6 per MB.
            """
    )

    @Option(help: "tcp (loopback), ipc or inproc.")
    var transport: TransportBenchmark.Transport = .tcp

    @Option(help: "copy: zmq_send copies the payload into each message; zero-copy: each message points at one prepared buffer.")
    var send: TransportBenchmark.SendMode = .zeroCopy

    @Option(help: "Message size in bytes.")
    var size = 600

    @Option(help: "Messages to send.")
    var count = 1_000_000

    @Option(
        help: ArgumentHelp(
            "libzmq I/O threads for the context (tcp and ipc only).", discussion: "2 matches local_thr + remote_thr, two processes with one I/O thread each."))
    var ioThreads = 2

    @Flag(help: "Print one JSON object (msgs_per_s, mb_per_s, ...) instead of text.")
    var json = false

    func validate() throws {
        guard size >= 0 else { throw ValidationError("--size must not be negative, got \(size)") }
        guard count >= 2 else { throw ValidationError("--count must be at least 2, got \(count)") }
        guard (1...16).contains(ioThreads) else { throw ValidationError("--io-threads must be 1...16, got \(ioThreads)") }
    }

    func run() throws {
        let r = try TransportBenchmark(transport: transport, sendMode: send, messageSize: size, count: count, ioThreads: ioThreads).run()
        if json {
            try printJSON(r)
        } else {
            print("transport \(r.transport) (\(r.sendMode)), \(r.messageSize) B x \(r.messages) messages in \(String(format: "%.3f", r.seconds)) s")
            print(String(format: "  %.0f msgs/s, %.1f MB/s (%.1f Mb/s)", r.msgsPerS, r.mbPerS, r.mbPerS * 8))
        }
    }
}
