import ArgumentParser
import CommandLineSupport
import StageServices

extension StreamPattern: ExpressibleByArgument {}

/// Where a stream goes and how: shared by the stream tools.
struct StreamOptions: ParsableArguments {
    @Option(
        name: .customLong("endpoint"),
        help: ArgumentHelp(
            "ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME; a producer takes it once per consumer to fan out.",
            discussion: """
                Prefix with bind: or connect: to choose; otherwise producers bind and consumers connect. Default binds stay on loopback. \
                A producer given several sends each a complete stream of its own (stream ids 0, 1, ...) and spreads its batches over them.
                """))
    var endpoints = ["tcp://127.0.0.1:5555"]

    /// The one endpoint (the first of several).
    var endpoint: String { endpoints[0] }

    @Option(help: "push: lossless pipeline with back-pressure; pub: monitoring tap that drops (and counts) what slow subscribers cannot take.")
    var pattern: StreamPattern = .push

    @Option(name: .customLong("hwm"), help: "High-water mark: messages queued per peer before PUSH blocks or PUB drops.")
    var highWaterMark = 1000

    func validate() throws {
        guard highWaterMark >= 0 else { throw ValidationError("--hwm must be 0 (no limit) or more, got \(highWaterMark)") }
        try FanOutEndpoints.check(endpoints, pattern: pattern, record: nil)
    }
}
