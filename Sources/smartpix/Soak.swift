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
            of the windows.
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
        guard memoryGrowth >= 0, memoryGrowth.isFinite else { throw ValidationError("--memory-growth must be a non-negative fraction, got \(memoryGrowth)") }
        try OutputPath.check(plot, flag: "--plot")
    }

    struct Verdict: Encodable {
        var zeroLoss: Bool
        var lagBoundUs: Double
        var maxLagUs: Double
        var memoryGrowth: Double
        var memoryGrowthBound: Double
        var latencyP99Us: Double
        var latencyGoalUs: Double
        var passed: Bool
        enum CodingKeys: String, CodingKey {
            case zeroLoss = "zero_loss", lagBoundUs = "lag_bound_us", maxLagUs = "max_lag_us", memoryGrowth = "memory_growth"
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
        var c = Chain.Configuration()
        c.frontEnd.realtime = true
        c.frontEnd.maxDuration = Quantities.duration(duration)!
        c.inferenceThreads = chain.threads
        c.policy = policy.chosen
        c.window = Quantities.duration(window)!
        let monitor = try monitoring.start("soak")
        defer { monitor?.finish() }
        c.metrics = monitor?.backend.factory
        printProgress("soak: preparing the \(chain.mode.rawValue) front end ...")
        let source = try FrameSource(settings)
        printProgress("soak: \(duration) paced at 40 MHz, windows of \(window), model '\(network.name)', \(c.policy.name) at \(policy.threshold) GeV")
        let report = try Chain.run(source: source, model: network, configuration: c, stop: processStopFlag) { w in
            printProgress(
                String(
                    format: "  %7.1f s  %9.0f decisions/s  lag %8.1f us  latency p50 %7.1f p99 %7.1f max %9.1f us  memory %6.1f MB", w.seconds,
                    w.decisionsPerS, w.lagUs, w.latencyUs.p50, w.latencyUs.p99, w.latencyUs.max, Double(w.residentBytes) / 1e6))
        }
        let windows = report.windows
        let base = windows.count > 1 ? windows[1].residentBytes : windows.first?.residentBytes ?? 0
        let growth = base > 0 ? (Double(windows.last?.residentBytes ?? 0) - Double(base)) / Double(base) : 0
        let lagBoundUs = Quantities.duration(lagBound)!.seconds * 1e6, goalUs = Quantities.duration(latencyGoal)!.seconds * 1e6
        let maxLag = windows.map(\.lagUs).max() ?? 0
        var v = Verdict(
            zeroLoss: report.complete && report.lost == 0, lagBoundUs: lagBoundUs, maxLagUs: maxLag, memoryGrowth: growth, memoryGrowthBound: memoryGrowth,
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
        }
        guard v.passed else { throw ExitCode(3) }
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
                .init(series: [series("resident memory", { Double($0.residentBytes) / 1e6 })], yAxis: "MB", title: "Resident memory of the process"),
            ], xAxis: "seconds since the start")
    }
}
