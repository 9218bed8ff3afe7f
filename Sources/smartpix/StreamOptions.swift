import ArgumentParser
import StageServices

extension StreamPattern: ExpressibleByArgument {}

/// Where a stream goes and how: shared by the stream tools.
struct StreamOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME.",
            discussion: "Prefix with bind: or connect: to choose; otherwise producers bind and consumers connect. Default binds stay on loopback."))
    var endpoint = "tcp://127.0.0.1:5555"

    @Option(help: "push: lossless pipeline with back-pressure; pub: monitoring tap that drops (and counts) what slow subscribers cannot take.")
    var pattern: StreamPattern = .push

    @Option(name: .customLong("hwm"), help: "High-water mark: messages queued per peer before PUSH blocks or PUB drops.")
    var highWaterMark = 1000

    func validate() throws {
        guard highWaterMark >= 0 else { throw ValidationError("--hwm must be 0 (no limit) or more, got \(highWaterMark)") }
        guard
            ["tcp://", "ipc://", "inproc://"].contains(where: {
                endpoint.replacingOccurrences(of: "bind:", with: "").replacingOccurrences(of: "connect:", with: "").hasPrefix($0)
            })
        else {
            throw ValidationError("--endpoint '\(endpoint)' is not a tcp://, ipc:// or inproc:// endpoint")
        }
    }
}
