import ArgumentParser
import CommandLineSupport
import Foundation
import StageServices
import TriggerFilter
import ZeroMQ

@main
struct TriggerFilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger-filter",
        abstract: "The trigger stage: network predictions in, keep/drop decisions out.",
        discussion: """
            Receives prediction batches (PULL; from one or several inference workers, \
            interleaved: --workers says how many end-of-runs end the run), estimates each \
            cluster's signed pT from the predicted cotBeta and the frame's y-local with its \
            uncertainty from the predicted covariance, decides with --policy and sends decision \
            batches (PUSH) that keep each cluster's bunch crossing, frames sequence number and \
            record index, with the estimate, its sigma and the policy's score. Policies: \
            point-cut (|pT| > --threshold GeV), uncertainty-aware (P(|pT| > threshold) under the \
            predicted Gaussian in cotBeta at least --confidence), keep-when-uncertain (cotBeta \
            sigma above --sigma-limit keeps, else the point cut), on-sensor (the on-sensor \
            filter's classes, keeping |pT| > threshold). Ends with an end-of-run carrying the \
            losses of every hop above, a summary (decisions, kept, data reduction, per-event \
            latency) and exit 0 when the run balances, 3 otherwise. When the predictions carry \
            their frames (onpixel-infer --forward-frames), each decisions message carries the \
            frames of the clusters it keeps, and the summary gives the reduction in bytes too.
            """
    )

    @Option(help: "Predictions endpoint; connects unless prefixed bind:.")
    var input = "tcp://127.0.0.1:5556"

    @Option(help: "Decisions endpoint; binds unless prefixed connect:.")
    var output = "tcp://127.0.0.1:5557"

    @OptionGroup var policy: TriggerPolicyOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions

    @Option(
        help: ArgumentHelp(
            "Upstream inference workers (streams) whose end-of-runs end the run.",
            discussion:
                "At least this many; a front end that fans out over N outputs announces N in its run-start and the trigger then waits for N. Bind --input when several workers connect to it."
        ))
    var workers = 1

    @Option(
        help: ArgumentHelp(
            "Once some workers have ended their run, how long the others may stay silent before the run ends without them (units: ms, s, min).",
            valueName: "duration"))
    var stragglerTimeout = "10s"

    @Option(name: .customLong("hwm"), help: "High-water mark in messages, both sockets.")
    var highWaterMark = 1000

    @Option(help: "Stream id in the decisions' headers.")
    var streamID: UInt32 = 0

    @Option(help: ArgumentHelp("Stop after this long without input or with the output blocked (units: ns, us, ms, s); default: wait.", valueName: "duration"))
    var idleTimeout: String?

    @Option(help: "Write the final statistics as JSON to this file.")
    var statsJSON: String?

    var chosen: TriggerPolicy { policy.chosen }

    func validate() throws {
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be 1...1024, got \(workers)") }
        guard highWaterMark >= 0 else { throw ValidationError("--hwm must not be negative, got \(highWaterMark)") }
        if let idleTimeout {
            guard let d = Quantities.duration(idleTimeout), d > .zero else {
                throw ValidationError("--idle-timeout '\(idleTimeout)' is not a positive duration such as 5s")
            }
        }
        guard let d = Quantities.duration(stragglerTimeout), d > .zero else {
            throw ValidationError("--straggler-timeout '\(stragglerTimeout)' is not a positive duration such as 10s")
        }
        try OutputPath.check(statsJSON, flag: "--stats-json")
    }

    func run() throws {
        installStopSignals()
        var c = TriggerService.Configuration()
        c.input = input
        c.output = output
        c.highWaterMark = highWaterMark
        c.policy = chosen
        c.streamID = streamID
        c.upstreamStreams = workers
        c.stragglerTimeout = Quantities.duration(stragglerTimeout)!
        c.idleTimeout = idleTimeout.flatMap(Quantities.duration)
        let monitor = try monitoring.start("trigger-filter")
        defer { monitor?.finish() }
        c.metrics = monitor?.stage("trigger")
        let context = try Context()
        var service: TriggerService
        do { service = try TriggerService(context: context, configuration: c) } catch let e as ZMQError {
            throw ValidationError("--input \(input) / --output \(output): \(e)")
        }
        FileHandle.standardError.write(
            Data(
                "trigger-filter: \(chosen.name) at \(policy.threshold) GeV; predictions from \(service.inputEndpoint), decisions on \(service.outputEndpoint)\n"
                    .utf8)
        )
        let s = try service.run(stop: processStopFlag)
        print(
            String(
                format: "decisions %llu, kept %llu (data reduction %.1f %%), %.0f decisions/s; latency per event p50 %llu ns, p99 %llu ns, max %llu ns",
                s.decisions, s.kept, 100 * s.dataReduction, s.decisionsPerS, s.latencyP50Ns, s.latencyP99Ns, s.latencyMaxNs))
        if s.framesIn > 0 {
            print(
                String(
                    format: "frames forwarded %llu of %llu, %llu of %llu bytes (byte reduction %.1f %%)", s.framesForwarded, s.framesIn, s.frameBytesForwarded,
                    s.frameBytesIn, 100 * s.byteReduction))
        }
        print(
            "upstream: \(s.upstreamStreamsEnded) of \(s.upstreamStreamsExpected) end-of-runs, \(s.upstreamRecordsSent) predictions announced; end-of-run \(s.endOfRunDelivered ? "sent" : "NOT delivered"); stopped at \(s.stopReason)"
        )
        if let statsJSON { try OutputPath.writeJSON(s, to: statsJSON, flag: "--stats-json") }
        guard s.imbalance.isEmpty else {
            print("INCOMPLETE (\(s.stopReason)): \(s.imbalance.joined(separator: "; "))")
            throw ExitCode(3)
        }
        print("complete: every prediction announced upstream was decided")
    }
}
