import ArgumentParser
import CommandLineSupport
import Foundation
import Plots
import ReadoutSim
import StageServices

struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole chain paced to the 40 MHz clock for a long time: throughput, lag, latency and memory per window, and a verdict.",
        discussion: """
            Runs smartpix pipeline's chain (front end -> inference -> trigger -> consumer, one \
            process, inproc) with the front end paced to the bunch-crossing clock for \
            --duration. Every --window it records decisions/s, the lag (wall clock minus the \
            crossing time of the newest decision, microseconds), end-to-end latency from each \
            crossing's moment to its decision (p50, p99, p99.9, max from an HDR histogram of \
            that window) and the process's resident memory. The verdict line: zero loss \
            (every cluster generated decided and received, every hop balanced), lag bounded \
            (no window's lag above --lag-bound), memory growth bounded (resident memory of the \
            last window within --memory-growth of the second window's, the first being warm-up), \
            and the latency goal (p99 over the run at most --latency-goal). Exit 0 when all \
            hold, 3 otherwise. --json prints the report with its windows; --plot writes an SVG \
            of the windows. With --processes the stages are the separate programs instead \
            (readout-sim --realtime, --workers onpixel-infer, trigger-filter, found beside \
            smartpix, joined by ipc), this process the consumer: latency from the crossing's \
            moment as the front end's run-start gives it on the wall clock, and each \
            process's resident memory, each held to --memory-growth.
            """
    )

    @Option(help: ArgumentHelp("How long to run (units: s, m, h; e.g. 10m).", valueName: "duration"))
    var duration = "60s"

    @Option(help: ArgumentHelp("Reporting window (units: ms, s, m).", valueName: "duration"))
    var window = "10s"

    @OptionGroup(title: "Chain") var chain: ChainOptions
    @OptionGroup(title: "Trigger policy") var policy: TriggerPolicyOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions

    @Option(help: ArgumentHelp("Largest lag behind the clock any window may show (units: us, ms, s).", valueName: "duration"))
    var lagBound = "1ms"

    @Option(help: "Largest relative growth of resident memory from the second window to the last.")
    var memoryGrowth = 0.01

    @Option(help: ArgumentHelp("The p99 end-to-end latency the run should keep (units: us, ms).", valueName: "duration"))
    var latencyGoal = "100us"

    @Flag(help: "Run the stages as separate processes (readout-sim, onpixel-infer, trigger-filter) instead of threads of this one.")
    var processes = false

    @Option(help: "Inference workers: threads of the chain, or onpixel-infer processes with --processes.")
    var workers = 1

    @Flag(help: "Print the report (with every window) as one JSON object.")
    var json = false

    @Option(help: ArgumentHelp("Draw the windows (rate, lag, latency, memory against time) as an SVG file.", valueName: "file.svg"))
    var plot: String?

    func validate() throws {
        for (flag, text) in [("--duration", duration), ("--window", window), ("--lag-bound", lagBound), ("--latency-goal", latencyGoal)] {
            guard let d = Quantities.duration(text), d > .zero else {
                throw ValidationError("\(flag) '\(text)' is not a positive duration such as 10m, 10s or 100us")
            }
        }
        guard Quantities.duration(window)! <= Quantities.duration(duration)! else {
            throw ValidationError("--window \(window) is longer than --duration \(duration)")
        }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64, got \(workers)") }
        guard memoryGrowth >= 0, memoryGrowth.isFinite else { throw ValidationError("--memory-growth must be a non-negative fraction, got \(memoryGrowth)") }
        try OutputPath.check(plot, flag: "--plot")
    }

    struct Verdict: Encodable {
        var zeroLoss: Bool
        var lagBoundUs: Double
        var maxLagUs: Double
        /// The largest over the processes.
        var memoryGrowth: Double
        /// With --processes: each process's.
        var memoryGrowthByProcess: [String: Double]?
        var memoryGrowthBound: Double
        var latencyP99Us: Double
        var latencyGoalUs: Double
        var passed: Bool
        enum CodingKeys: String, CodingKey {
            case zeroLoss = "zero_loss", lagBoundUs = "lag_bound_us", maxLagUs = "max_lag_us", memoryGrowth = "memory_growth"
            case memoryGrowthByProcess = "memory_growth_by_process"
            case memoryGrowthBound = "memory_growth_bound", latencyP99Us = "latency_p99_us", latencyGoalUs = "latency_goal_us", passed
        }
    }

    struct Output: Encodable {
        var verdict: Verdict
        var report: ChainReport
    }

    func run() throws {
        installStopSignals()
        let (settings, network) = try chain.prepare(truth: false)
        let policy = self.policy.chosen
        let monitor = try monitoring.start("soak")
        defer { monitor?.finish() }
        let metrics = monitor.map { StageMetrics(factory: $0.backend.factory, stage: "consumer") }
        let onWindow = { (w: ChainWindow) in
            printProgress(
                String(
                    format: "  %7.1f s  %9.0f decisions/s  lag %8.1f us  latency p50 %7.1f p99 %7.1f max %9.1f us  memory %6.1f MB", w.seconds,
                    w.decisionsPerS, w.lagUs, w.latencyUs.p50, w.latencyUs.p99, w.latencyUs.max, Double(w.residentBytes) / 1e6))
        }
        let stages = processes ? "as separate processes" : "in one process"
        let header =
            "soak: \(duration) paced at 40 MHz \(stages), windows of \(window), model '\(network.name)', \(policy.name) at \(self.policy.threshold) GeV"
        let report: ChainReport
        if processes {
            let scratch = try PrivateTemporaryFolder(prefix: "smartpix-soak")
            defer { scratch.remove() }
            var c = try processConfiguration(settings: settings, scratch: scratch.url)
            c.metrics = metrics
            printProgress(header)
            report = try ProcessChain.run(configuration: c, stop: processStopFlag, onWindow: onWindow)
        } else {
            var c = Chain.Configuration()
            c.frontEnd.realtime = true
            c.frontEnd.maxDuration = Quantities.duration(duration)!
            c.inferenceThreads = chain.threads
            c.inferenceWorkers = workers
            c.policy = policy
            c.window = Quantities.duration(window)!
            c.metrics = monitor?.backend.factory
            printProgress("soak: preparing the \(chain.mode.rawValue) front end ...")
            let source = try FrameSource(settings)
            printProgress(header)
            report = try Chain.run(source: source, model: network, configuration: c, stop: processStopFlag, onWindow: onWindow)
        }
        let windows = report.windows
        // From the second window (the first is warm-up) to the last, per process.
        // (A process that has ended has no reading in the windows after.)
        func growthOf(_ bytes: (ChainWindow) -> UInt64?) -> Double {
            let readings = windows.compactMap(bytes)
            guard let last = readings.last, let base = readings.count > 1 ? readings[1] : readings.first, base > 0 else { return 0 }
            return (Double(last) - Double(base)) / Double(base)
        }
        let names = Self.processNames(windows)
        let byProcess =
            names.isEmpty ? nil : Dictionary(uniqueKeysWithValues: names.map { name in (name, growthOf { $0.residentBytesByProcess?[name] }) })
        let growth = byProcess?.values.max() ?? growthOf { $0.residentBytes }
        let lagBoundUs = Quantities.duration(lagBound)!.seconds * 1e6, goalUs = Quantities.duration(latencyGoal)!.seconds * 1e6
        let maxLag = windows.map(\.lagUs).max() ?? 0
        var v = Verdict(
            zeroLoss: report.complete && report.lost == 0, lagBoundUs: lagBoundUs, maxLagUs: maxLag, memoryGrowth: growth, memoryGrowthByProcess: byProcess,
            memoryGrowthBound: memoryGrowth,
            latencyP99Us: report.latencyUs.p99, latencyGoalUs: goalUs, passed: false)
        v.passed = v.zeroLoss && maxLag <= lagBoundUs && growth <= memoryGrowth && report.latencyUs.p99 <= goalUs
        if let plot { try OutputPath.write(Data(Self.figure(windows).utf8), to: plot, flag: "--plot") }
        if json {
            try printJSON(Output(verdict: v, report: report))
        } else {
            ChainSetup.printReport(report, command: "soak")
            print(
                String(
                    format:
                        "verdict: %@ loss %@; lag %@ (max %.1f us, bound %.0f us); memory growth %@ (%+.2f %%, bound %.1f %%); p99 latency %@ (%.1f us, goal %.0f us)",
                    v.passed ? "PASS:" : "FAIL:", v.zeroLoss ? "zero" : "NOT zero", maxLag <= lagBoundUs ? "bounded" : "NOT bounded", maxLag, lagBoundUs,
                    growth <= memoryGrowth ? "bounded" : "NOT bounded", 100 * growth, 100 * memoryGrowth, report.latencyUs.p99 <= goalUs ? "met" : "NOT met",
                    report.latencyUs.p99, goalUs))
            if let byProcess {
                print(
                    "memory growth by process: "
                        + byProcess.sorted { $0.key < $1.key }.map { String(format: "%@ %+.2f %%", $0.key, 100 * $0.value) }.joined(separator: ", "))
            }
        }
        guard v.passed else { throw ExitCode(3) }
    }

    /// The processes whose memory the windows hold (none for a chain in one process), sorted.
    static func processNames(_ windows: [ChainWindow]) -> [String] {
        Set(windows.flatMap { $0.residentBytesByProcess.map { Array($0.keys) } ?? [] }).sorted()
    }

    /// One line for the process, or one per process of a chain of processes.
    static func memoryPanel(_ windows: [ChainWindow], series: (String, @escaping (ChainWindow) -> Double) -> TrendFigure.Series) -> TrendFigure.Panel {
        let names = processNames(windows)
        guard !names.isEmpty else {
            return .init(series: [series("resident memory", { Double($0.residentBytes) / 1e6 })], yAxis: "MB", title: "Resident memory of the process")
        }
        // A process that has ended draws nothing more.
        let lines = names.map { name in
            TrendFigure.Series(name: name, points: windows.compactMap { w in w.residentBytesByProcess?[name].map { (w.seconds, Double($0) / 1e6) } })
        }
        return .init(series: lines, yAxis: "MB", title: "Resident memory of each process")
    }

    /// The chain as separate processes: the stages' own options for this model and chain.
    func processConfiguration(settings: FrameSourceSettings, scratch: URL) throws -> ProcessChain.Configuration {
        let (modelPath, file) = try ModelCatalog.load(chain.model, flag: "--model")
        guard file.frontEndADC != nil else {
            throw ValidationError("--model \(modelPath): the file has no input-code constants for readout-sim's --encoding-from; give a trained model")
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let executables = (FileManager.default.fileExists(atPath: exe.path) ? exe : Bundle.main.executableURL ?? exe).deletingLastPathComponent()
        var c = ProcessChain.Configuration(executables: executables, scratch: scratch)
        c.frontEndArguments = [
            "--mode", chain.mode.rawValue, "--geometry", settings.simulation.sensor.geometry.name, "--slices", "\(settings.keptSlices.count)",
            "--adc", file.flashInput != nil ? "flash" : "network", "--encoding-from", modelPath, "--occupancy", "\(chain.occupancy)",
            "--seed", "\(chain.seed)", "--duration", duration,
        ]
        c.inferenceArguments = ["--model", modelPath, "--threads", "\(chain.threads)"]
        c.triggerArguments = policy.arguments
        c.workers = workers
        c.window = Quantities.duration(window)!
        c.thresholdGeV = policy.chosen.thresholdGeV
        return c
    }

    static func figure(_ windows: [ChainWindow]) -> String {
        func series(_ name: String, _ value: (ChainWindow) -> Double) -> TrendFigure.Series {
            TrendFigure.Series(name: name, points: windows.map { ($0.seconds, value($0)) })
        }
        return TrendFigure.stacked(
            [
                .init(series: [series("decisions/s", \.decisionsPerS)], yAxis: "decisions / s", title: "Throughput per window"),
                .init(series: [series("lag", \.lagUs)], yAxis: "microseconds", title: "Lag behind the bunch-crossing clock"),
                .init(
                    series: [series("p50", \.latencyUs.p50), series("p99", \.latencyUs.p99), series("p99.9", \.latencyUs.p999)], yAxis: "microseconds",
                    title: "End-to-end latency, crossing to decision"),
                memoryPanel(windows, series: series),
            ], xAxis: "seconds since the start")
    }
}
