import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import Plots
import StageServices
import ZeroMQ

/// Asked to stop by SIGINT/SIGTERM; the loop then sends its end-of-run and exits 0.
let stopFlag = processStopFlag

extension StreamPattern: ExpressibleByArgument {}

@main
struct OnPixelInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onpixel-infer",
        abstract: "The on-pixel inference stage: frames in, integer-exact network predictions out.",
        discussion: """
            Receives frames batches (PULL, or SUB with --input-pattern pub), evaluates each \
            cluster with the integer engine and sends prediction batches (PUSH by default) that \
            keep every cluster's bunch crossing, frames sequence number and record index. \
            Frames must match the model: 13 x 21 pixels; the model's slice count, or any count \
            for a 2-slice model (first and last slice); signed 4-bit input codes, or charge when \
            the model file has input-encoding constants. Others are counted and skipped with the \
            reason. Latency is the per-event evaluation time. Ends at the input's end-of-run \
            (or SIGINT/SIGTERM, or --idle-timeout) with its own end-of-run and a summary. The \
            stage serves the first run and stream it hears from; end-of-runs of others are counted \
            as foreign and ignored. Its end-of-run carries the losses of every hop above it. Exit \
            0 when the run balances (every record the upstream says it sent arrived and was \
            predicted, no hop lost or rejected anything, the end-of-run got out), 3 otherwise, \
            with the reasons. With --forward-frames each predictions message carries the frames             it was computed from (docs/wire-protocol.md, attached frames), so that trigger-filter             can pass on the clusters it keeps.
            """
    )

    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions

    @Option(help: "Model: a name in models/ (smartpix models lists them) or a model file (docs/model-format.md).")
    var model = ModelCatalog.defaultName

    @Option(help: "Frames endpoint; connects unless prefixed bind:.")
    var input = "tcp://127.0.0.1:5555"

    @Option(help: "push: read a lossless PUSH stream (PULL); pub: tap a PUB stream (SUB).")
    var inputPattern: StreamPattern = .push

    @Option(help: "Predictions endpoint; binds unless prefixed connect:.")
    var output = "tcp://127.0.0.1:5556"

    @Option(help: "push: lossless with back-pressure; pub: tap that drops (and counts) at the high-water mark.")
    var outputPattern: StreamPattern = .push

    @Option(name: .customLong("hwm"), help: "High-water mark in messages, both sockets.")
    var highWaterMark = 1000

    @Option(help: "Worker threads evaluating each batch.")
    var threads = 1

    @Option(help: ArgumentHelp("Per-event latency budget with units: ns, us, ms, s.", valueName: "duration"))
    var latencyBudget = "2us"

    @Option(help: "Stream id in the predictions' headers; default: that of the frames served (each output of a fanned-out front end has its own).")
    var streamID: UInt32?

    @Option(help: ArgumentHelp("Stop after this long without input (units as --latency-budget); default: wait.", valueName: "duration"))
    var idleTimeout: String?

    @Flag(help: "Attach each frames batch to its predictions (for trigger-filter --kept-frames).")
    var forwardFrames = false

    @Option(
        help: ArgumentHelp(
            "Make every event take at least this long (units as --latency-budget), sleeping out the rest.",
            discussion:
                "Emulates a slower processor without taking CPU from the other stages: makes inference the chain's bottleneck, to measure how workers scale out (docs/deployment.md). Off by default.",
            valueName: "duration"))
    var minEventTime: String?

    @Option(help: "Write the final statistics as JSON to this file.")
    var statsJSON: String?

    @Option(
        help: ArgumentHelp(
            "Draw the per-event latency by percentile as an SVG file.",
            discussion: "x: percentile on the 1 / (1 - p) log scale (90, 99, 99.9 % ... equally spaced); y: nanoseconds; the budget as a line.",
            valueName: "file.svg"))
    var latencyPlot: String?

    func validate() throws {
        guard Quantities.duration(latencyBudget) != nil else {
            throw ValidationError("--latency-budget '\(latencyBudget)' is not a duration such as 2us, 500ns or 1ms")
        }
        if let idleTimeout {
            guard let d = Quantities.duration(idleTimeout), d > .zero else {
                throw ValidationError("--idle-timeout '\(idleTimeout)' is not a positive duration such as 5s")
            }
        }
        if let minEventTime {
            guard let d = Quantities.duration(minEventTime), d > .zero, d <= .seconds(1) else {
                throw ValidationError("--min-event-time '\(minEventTime)' is not a duration in (0, 1 s] such as 20us")
            }
        }
        try OutputPath.check(statsJSON, flag: "--stats-json")
        try OutputPath.check(latencyPlot, flag: "--latency-plot")
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256, got \(threads)") }
        guard highWaterMark >= 0 else { throw ValidationError("--hwm must not be negative, got \(highWaterMark)") }
    }

    func run() throws {
        let m = try ModelCatalog.load(model, flag: "--model").model
        installStopSignals()
        let context = try Context()
        var config = InferenceService.Configuration(
            input: input, inputPattern: inputPattern, output: output, outputPattern: outputPattern, highWaterMark: highWaterMark, threads: threads,
            latencyBudget: Quantities.duration(latencyBudget)!, streamID: streamID, idleTimeout: idleTimeout.flatMap(Quantities.duration))
        config.forwardFrames = forwardFrames
        config.minimumEventTime = minEventTime.flatMap(Quantities.duration)
        let monitor = try monitoring.start("onpixel-infer")
        defer { monitor?.finish() }
        config.metrics = monitor?.stage("inference")
        var service: InferenceService
        do {
            service = try InferenceService(model: m, context: context, configuration: config)
        } catch let e as ZMQError {
            throw ValidationError("--input \(input) / --output \(output): \(e)")
        }
        service.log = { FileHandle.standardError.write(Data("onpixel-infer: \($0)\n".utf8)) }
        let interactive = isatty(STDERR_FILENO) == 1
        FileHandle.standardError.write(
            Data(
                "onpixel-infer: \(m.name), \(m.architecture.slices) slices; frames from \(service.inputEndpoint), predictions on \(service.outputEndpoint)\n"
                    .utf8))
        let stats = try service.run(stop: stopFlag) { s in
            guard interactive else { return }
            let line = String(
                format: "\r%.0f events/s, %llu events, p99 %llu ns, over budget %llu, skipped %llu   ", s.eventsPerS, s.events, s.latencyP99Ns, s.overBudget,
                s.skippedRecords)
            FileHandle.standardError.write(Data(line.utf8))
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        print("events \(stats.events) in \(stats.framesMessages) frames messages, \(String(format: "%.0f", stats.eventsPerS)) events/s")
        print(
            "latency per event: p50 \(stats.latencyP50Ns) ns, p99 \(stats.latencyP99Ns) ns, p99.9 \(stats.latencyP999Ns) ns, max \(stats.latencyMaxNs) ns; over the \(latencyBudget) budget: \(stats.overBudget)"
        )
        print(
            "skipped \(stats.skippedRecords)\(stats.lastSkipReason.map { " (\($0))" } ?? ""), malformed inputs \(stats.malformedInputs)\(stats.lastMalformedReason.map { " (last: \($0))" } ?? ""), missed inputs \(stats.missedInputs), duplicates \(stats.duplicateInputs), foreign end-of-runs \(stats.foreignEndOfRuns)"
        )
        print("end-of-run \(stats.endOfRunDelivered ? "sent" : "NOT delivered"): \(stats.predictionRecordsSent) predictions; stopped at \(stats.stopReason)")
        if let latencyPlot {
            let svg = LatencyFigure.svg(
                stats.latencyCurve.map { (percentile: $0[0], nanoseconds: $0[1]) }, budget: Double(config.latencyBudget.nanoseconds),
                overBudget: stats.overBudget, events: stats.events, title: "onpixel-infer: \(m.name), \(m.architecture.slices) slices, \(threads) thread(s)")
            try OutputPath.write(Data(svg.utf8), to: latencyPlot, flag: "--latency-plot")
        }
        if let statsJSON { try OutputPath.writeJSON(stats, to: statsJSON, flag: "--stats-json") }
        let imbalance = stats.imbalance
        guard imbalance.isEmpty else {
            print("INCOMPLETE (\(stats.stopReason)): \(imbalance.joined(separator: "; "))")
            throw ExitCode(3)
        }
        print("complete: every record the upstream sent was predicted")
    }
}
