import Foundation
import ReadoutProtocol
import ZeroMQ

/// The whole chain as separate processes on this host: `readout-sim` -> one `onpixel-infer`
/// per worker -> `trigger-filter` -> this process, the consumer, joined by ipc PUSH/PULL in a
/// private folder. The same accounting as `Chain` from each stage's `--stats-json`, latency
/// from each crossing's moment on the shared wall clock (the front end's run-start says when
/// crossing 0 happened), and every process's resident memory in each window.
public enum ProcessChain {
    public struct Configuration: Sendable {
        /// Where readout-sim, onpixel-infer and trigger-filter are.
        public var executables: URL
        /// A folder only this user can enter, for the ipc endpoints, logs and statistics.
        public var scratch: URL
        /// Each stage's own options; endpoints, --stats-json, the worker count and the idle
        /// timeout are added here.
        public var frontEndArguments: [String] = []
        public var inferenceArguments: [String] = []
        public var triggerArguments: [String] = []
        public var workers = 1
        public var window: Duration = .seconds(10)
        /// A stage (and this consumer) that hears nothing for this long ends its run.
        public var idleTimeout: Duration = .seconds(60)
        public var thresholdGeV = 0.2
        public var metrics: StageMetrics?

        public init(executables: URL, scratch: URL) {
            self.executables = executables
            self.scratch = scratch
        }
    }

    /// Runs the chain until the front end ends (its own stop condition, or `stop`, which it
    /// is sent as SIGTERM); `onWindow` is called at the end of every window.
    public static func run(configuration c: Configuration, stop: StopFlag, onWindow: (ChainWindow) -> Void = { _ in }) throws -> ChainReport {
        let path = c.scratch.path
        let frames = (0..<c.workers).map { "ipc://\(path)/frames-\($0)" }
        let predictions = "ipc://\(path)/predictions", decisions = "ipc://\(path)/decisions"
        let context = try Context()
        var consumer = try StreamReceiver(context: context, endpoint: "bind:" + decisions, pattern: .push, highWaterMark: 1000)
        consumer.codeDecoding = .packed
        let idle = "\(max(c.idleTimeout.nanoseconds / 1_000_000, 1))ms"

        var stages: [StageChild] = []
        defer { for s in stages { s.kill() } }
        let trigger = try StageChild(
            "trigger-filter", in: c.executables, folder: c.scratch,
            c.triggerArguments + [
                "--input", "bind:" + predictions, "--output", "connect:" + decisions, "--workers", "\(c.workers)", "--idle-timeout", idle,
            ])
        stages.append(trigger)
        for w in 0..<c.workers {
            stages.append(
                try StageChild(
                    "onpixel-infer", label: c.workers > 1 ? "onpixel-infer \(w)" : nil, in: c.executables, folder: c.scratch,
                    c.inferenceArguments + [
                        "--input", frames[w], "--output", "connect:" + predictions, "--forward-frames", "--stream-id", "\(w)", "--idle-timeout", idle,
                    ]))
        }
        let frontEnd = try StageChild(
            "readout-sim", in: c.executables, folder: c.scratch, c.frontEndArguments + frames.flatMap { ["--endpoint", $0] } + ["--realtime"])
        stages.append(frontEnd)

        // A stage that fails ends the run; a stop request goes to the front end, whose
        // end-of-run then drains the chain.
        let failure = SharedValue<String?>(nil), finished = StopFlag()
        let watcher = WorkerThread(name: "soak watcher") { [stages] in
            var stopSent = false
            while !finished.isStopped {
                if stop.isStopped && !stopSent {
                    frontEnd.terminate()
                    stopSent = true
                }
                for s in stages {
                    if let status = s.exitStatus, status != 0 {
                        failure.value = "\(s.name) exited with status \(status) during the run: \(s.logTail)"
                        context.shutdown()
                        return
                    }
                }
                usleep(50_000)
            }
        }

        let clock = ContinuousClock()
        let pids = stages.map { ($0.name, $0.process.processIdentifier) }
        var taker = ChainConsumer(
            origin: nil, rateHz: nil, fromCrossing: true, sendLog: nil, window: c.window, metrics: c.metrics,
            memory: {
                var m = ["smartpix soak": ResidentMemory.bytes ?? 0]
                // A stage that has ended (after its end-of-run) has no reading, or none
                // resident while it waits to be reaped.
                for (name, pid) in pids { m[name] = ResidentMemory.bytes(ofProcess: pid).flatMap { $0 > 0 ? $0 : nil } }
                return m
            })
        var missingOrigin = false
        var report = ChainReport()
        report.latencyFrom = "crossing"
        do {
            report.consumer = try consumer.consumeRun(idleTimeout: c.idleTimeout) { m in
                let now = clock.now
                if case .runStart(let s) = m.payload {
                    let f = (try? RunConfiguration(json: s.configurationJSON))?.frontEnd
                    if let origin = f?.clockOriginUnixNs, let rate = f?.rateHz {
                        taker.origin = UnixTime.instant(atUnixNanoseconds: origin, clock: clock)
                        taker.rateHz = rate
                    } else {
                        missingOrigin = true
                    }
                }
                taker.take(m, at: now, onWindow: onWindow)
            }
        } catch {
            finished.stop()
            watcher.join()
            throw ChainFailure(description: failure.value ?? "the consumer: \(error)")
        }
        let end = clock.now
        taker.finish(onWindow: onWindow)
        finished.stop()
        watcher.join()
        if let failure = failure.value { throw ChainFailure(description: failure) }

        // Every stage ends once the end-of-run has passed it; its statistics are its file.
        var shortfalls: [String] = []
        if missingOrigin { shortfalls.append("the front end's run-start carries no clock origin: no latency from the crossing") }
        for s in stages where !s.waitForExit(timeout: .seconds(30)) { shortfalls.append("\(s.name) did not exit within 30 s of the end-of-run") }
        func stats<T: Decodable>(_ s: StageChild, _ type: T.Type) -> T? {
            guard let data = try? Data(contentsOf: s.statsFile), let value = try? JSONDecoder().decode(T.self, from: data) else {
                shortfalls.append("\(s.name) wrote no statistics (exit status \(s.exitStatus.map(String.init) ?? "none")): \(s.logTail)")
                return nil
            }
            return value
        }
        let f = stats(frontEnd, FrontEndStats.self) ?? FrontEndStats()
        let i = stages.filter { $0.program == "onpixel-infer" }.map { stats($0, InferenceStats.self) ?? InferenceStats() }
        let t = stats(trigger, TriggerStats.self) ?? TriggerStats()
        report.shortfalls = shortfalls
        let origin = taker.origin ?? end
        report.account(frontEnd: f, inference: i, trigger: t, consumer: taker, wallSeconds: (end - origin).seconds, thresholdGeV: c.thresholdGeV)
        return report
    }
}

/// One stage's process: its output in a log file, its statistics in a JSON file.
final class StageChild: @unchecked Sendable {
    // Sendable: `process` is set up and started in init; afterwards it is only asked whether
    // it runs and how it ended, and sent signals.
    let program: String
    /// The program, or "onpixel-infer N" among several workers.
    let name: String
    let process: Process
    let log: URL
    let statsFile: URL

    init(_ program: String, label: String? = nil, in folder: URL, folder scratch: URL, _ arguments: [String]) throws {
        self.program = program
        name = label ?? program
        let file = name.replacingOccurrences(of: " ", with: "-")
        log = scratch.appendingPathComponent("\(file).log")
        statsFile = scratch.appendingPathComponent("\(file).json")
        let executable = folder.appendingPathComponent(program)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ChainFailure(description: "\(program) is not in \(folder.path), beside smartpix: build every product (swift build -c release)")
        }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments + ["--stats-json", statsFile.path]
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw ChainFailure(description: "\(program): cannot start \(executable.path): \(error.localizedDescription)") }
    }

    /// The exit status once it has ended (a signal counts as 128 + its number).
    var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// The last lines of its output, for an error message.
    var logTail: String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(5).joined(separator: " | ")
        return lines.isEmpty ? "(no output)" : lines
    }

    func terminate() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) } }

    func kill() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }

    /// Waits for the exit; false (and killed) if it has not exited within `timeout`.
    func waitForExit(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill()
            process.waitUntilExit()
            return false
        }
        return true
    }
}
