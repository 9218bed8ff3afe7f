import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim
import StageServices
import ZeroMQ

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole chain in one process: front end -> on-pixel inference -> trigger filter -> a consumer of decisions and kept frames.",
        discussion: """
            The front end (readout-sim's FrameSource: barrel tracks at 40 MHz, the default \
            occupancy of 0.04 clusters per crossing, cluster library or full physics, the \
            network's 4-bit input code with the model's constants, or a flash-input model's 2-bit \
            flash codes with its learned thresholds, truth labels unless \
            --no-truth) streams over inproc PUSH/PULL to the inference stage (onpixel-infer's \
            service, integer engine, frames forwarded with the predictions), then to the \
            trigger stage (trigger-filter's service, --policy), whose decisions and kept frames \
            go to a consumer that accounts for every cluster. Each stage runs on its own thread, \
            the same service as its executable. A status line on a terminal; then the report: \
            crossings and clusters generated, inferred, decided, kept; losses per hop (zero on \
            these PUSH paths); the real-time factor (simulated time over the wall time from the \
            start to the consumer's end-of-run); end-to-end latency per cluster (p50, p99, \
            p99.9, max; with --realtime from the crossing's moment on the wall clock, else from \
            the moment the front end sent its frames message); data reduction in clusters and \
            bytes; with truth, the trigger efficiency for true |pT| above the threshold. --json \
            prints one object (generated, inferred, decided, kept, lost, lost_per_hop, rtf, \
            latency_us {p50, p99, p999, max}, latency_from, data_reduction, byte_reduction, \
            efficiency, complete, and each stage's statistics). Exit 0 when every cluster \
            generated got its decision and the run balances at every hop, 3 otherwise. \
            SIGINT or SIGTERM stops the front end; what it produced is still decided and \
            accounted for.
            """
    )

    @Option(help: "Bunch crossings to simulate (4,000,000 = 0.1 s of LHC time).")
    var crossings: UInt64 = 4_000_000

    @Option(
        help: ArgumentHelp(
            "Inference workers, each fed by its own output of the front end.",
            discussion: "The trigger fans their predictions in and waits for every worker's end-of-run (docs/deployment.md)."))
    var workers = 1

    @Option(
        help: ArgumentHelp(
            "Make every inference event take at least this long (ns, us, ms), sleeping out the rest.",
            discussion: "Emulates a slower processor: makes inference the bottleneck, to see how --workers scales. Off by default.", valueName: "duration"))
    var minEventTime: String?

    @OptionGroup(title: "Chain") var chain: ChainOptions
    @OptionGroup(title: "Trigger policy") var policy: TriggerPolicyOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions

    @Flag(help: "Pace the front end to the bunch-crossing clock (latency then counts from each crossing's moment).")
    var realtime = false

    @Flag(inversion: .prefixedNo, help: "Send truth labels with the frames (the trigger then measures its efficiency).")
    var truth = true

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func validate() throws {
        guard crossings >= 1, crossings <= 4_000_000_000 else { throw ValidationError("--crossings must be 1 to 4e9, got \(crossings)") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64, got \(workers)") }
        if let minEventTime {
            guard let d = Quantities.duration(minEventTime), d > .zero, d <= .seconds(1) else {
                throw ValidationError("--min-event-time '\(minEventTime)' is not a duration in (0, 1 s] such as 20us")
            }
        }
    }

    func run() throws {
        installStopSignals()
        let (settings, network) = try chain.prepare(truth: truth)
        var c = Chain.Configuration()
        c.frontEnd.maxCrossings = crossings
        c.frontEnd.realtime = realtime
        c.inferenceThreads = chain.threads
        c.inferenceWorkers = workers
        c.minimumEventTime = minEventTime.flatMap(Quantities.duration)
        c.policy = policy.chosen
        c.window = .milliseconds(500)
        let monitor = try monitoring.start("pipeline")
        defer { monitor?.finish() }
        c.metrics = monitor?.backend.factory
        if !json {
            print(
                "pipeline: \(chain.mode.rawValue) front end (\(settings.simulation.sensor.geometry.name), 40 MHz, occupancy \(settings.occupancy), \(settings.keptSlices.count) slices, \(settings.frontEnd.adc.summary)\(realtime ? ", paced" : "")) -> integer network '\(network.name)' (\(workers > 1 ? "\(workers) workers x " : "")\(chain.threads) thread\(chain.threads > 1 ? "s" : "")) -> \(c.policy.name) at \(policy.threshold) GeV -> consumer, over inproc"
            )
        }
        printProgress("pipeline: preparing the \(chain.mode.rawValue) front end ...")
        let source = try FrameSource(settings)
        let status = StatusLine()
        let report = try Chain.run(source: source, model: network, configuration: c, stop: processStopFlag) { w in
            status.show(
                String(
                    format: "%.1f s: %llu decisions in the last window (%.0f/s), lag %.0f us, latency p99 %.1f us, memory %.0f MB", w.seconds, w.decided,
                    w.decisionsPerS, w.lagUs, w.latencyUs.p99, Double(w.residentBytes) / 1e6))
        }
        status.finish()
        if json {
            try printJSON(report)
        } else {
            ChainSetup.printReport(report, command: "pipeline")
        }
        guard report.complete else { throw ExitCode(3) }
    }
}

/// What pipeline and soak share: the report.
enum ChainSetup {
    static func printReport(_ r: ChainReport, command: String) {
        let f = r.frontEnd, i = r.inference, t = r.trigger
        if f.stopReason == "signal" { print("\(command): stopped by a signal after \(f.bunchCrossings) crossings") }
        print(
            String(
                format: "crossings %llu (%.3f s of LHC time); clusters generated %llu, inferred %llu, decided %llu, received %llu, kept %llu", r.crossings,
                f.simulatedSeconds, r.generated, r.inferred, r.decided, r.received, r.kept))
        print("lost: " + r.lostPerHop.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "; total \(r.lost)")
        print(String(format: "real-time factor %.2f (wall %.2f s; the front end alone %.2f)", r.rtf, r.wallSeconds, f.realTimeFactor))
        print(
            String(
                format: "latency from the %@ to the decision: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us (%llu clusters)",
                r.latencyFrom == "crossing" ? "crossing" : "frames message's send", r.latencyUs.p50, r.latencyUs.p99, r.latencyUs.p999, r.latencyUs.max,
                r.latencyUs.count))
        for (w, i) in i.enumerated() {
            let name = r.inference.count > 1 ? "inference worker \(w)" : "inference"
            print(String(format: "%@: %llu events, %.0f/s, per event p50 %llu ns, p99 %llu ns", name, i.events, i.eventsPerS, i.latencyP50Ns, i.latencyP99Ns))
        }
        print(String(format: "trigger: %.0f decisions/s, per event p50 %llu ns", t.decisionsPerS, t.latencyP50Ns))
        print(
            String(
                format: "data reduction %.2f %% of clusters, %.2f %% of frame bytes (%llu of %llu bytes forwarded)", 100 * r.dataReduction,
                100 * r.byteReduction,
                t.frameBytesForwarded, t.frameBytesIn))
        if let e = r.efficiency {
            print(
                String(
                    format: "efficiency for true |pT| > %.3g GeV: %.4f (%llu of %llu kept)", r.thresholdGeV, e, t.truthAboveKept, t.truthAbove))
        }
        if r.complete {
            print("\(command): complete, every cluster generated has its decision")
        } else {
            print("\(command): INCOMPLETE: " + r.shortfalls.joined(separator: "; "))
        }
    }
}

/// A status line rewritten in place on a terminal (stderr), silent otherwise.
final class StatusLine: Sendable {
    let interactive = isatty(STDERR_FILENO) == 1

    func show(_ text: String) {
        guard interactive else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

extension FrameSourceSettings.Mode: ExpressibleByArgument {}
