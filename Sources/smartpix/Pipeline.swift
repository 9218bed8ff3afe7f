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
        abstract: "The whole chain in one process: front end -> on-pixel inference -> a consumer that accounts for every cluster.",
        discussion: """
            The front end (readout-sim's FrameSource: barrel tracks at 40 MHz, default occupancy, \
            cluster library or full physics, front end emitting the network's 4-bit input code for \
            the first and last of 20 slices) streams over inproc PUSH/PULL to the inference stage \
            (onpixel-infer's service, integer engine), whose prediction batches go over inproc to a \
            consumer. The run ends with end-of-run totals at each hop; the command exits 0 when \
            every cluster produced got exactly one prediction, 3 otherwise. The network is the \
            shipped trained model type2-2slice unless --model names another (a name in models/ \
            or a model file); the front end emits its input code with the model's constants. SIGINT or \
            SIGTERM stops the front end: what it produced is still inferred and accounted for, \
            and the totals are printed (exit 0 when they balance).
            """
    )

    @Option(help: "Bunch crossings to simulate (4,000,000 = 0.1 s of LHC time).")
    var crossings: UInt64 = 4_000_000

    @Option(help: "Front end: library or physics.")
    var mode: FrameSourceSettings.Mode = .library

    @Option(help: "Model with 2 slices: a name in models/ (smartpix models) or a model file.")
    var model = ModelCatalog.defaultName

    @Option(help: "Inference threads.")
    var threads = 1

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 1

    func validate() throws {
        guard crossings >= 1, crossings <= 4_000_000_000 else { throw ValidationError("--crossings must be 1 to 4e9, got \(crossings)") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64, got \(threads)") }
    }

    func run() throws {
        installStopSignals()
        var settings = FrameSourceSettings()
        settings.mode = mode
        settings.seed = seed
        var network = try ModelCatalog.load(model, flag: "--model").model
        guard network.architecture.slices == 2 else {
            throw ValidationError("--model: the pipeline sends 2 slices; the model takes \(network.architecture.slices)")
        }
        // The front end emits the network's input code with the model's constants.
        let encoding = try network.inputEncoding ?? settings.fittedInputEncoding()
        network.inputEncoding = encoding
        settings.frontEnd.adc = .networkInput(encoding)
        printProgress("pipeline: preparing the \(mode.rawValue) front end ...")
        let source = try FrameSource(settings)

        let context = try Context()
        var consumer = try StreamReceiver(context: context, endpoint: "connect:inproc://pipeline-predictions", pattern: .push)
        let inferenceStats = SharedValue<InferenceStats?>(nil)
        let frontEndStats = SharedValue<FrontEndStats?>(nil)
        let m = network, n = crossings, t = threads
        let inference = WorkerThread(name: "inference") {
            do {
                var c = InferenceService.Configuration(input: "connect:inproc://pipeline-frames", output: "bind:inproc://pipeline-predictions")
                c.threads = t
                var service = try InferenceService(model: m, context: context, configuration: c)
                inferenceStats.value = try service.run(stop: StopFlag())
            } catch {
                printProgress("inference failed: \(error)")
                context.shutdown()
            }
        }
        let frontEnd = WorkerThread(name: "front end") {
            do {
                var c = FrontEndService.Configuration()
                c.endpoint = "bind:inproc://pipeline-frames"
                c.maxCrossings = n
                var service = try FrontEndService(source: source, context: context, configuration: c)
                frontEndStats.value = try service.run(stop: processStopFlag)
            } catch {
                printProgress("front end failed: \(error)")
                context.shutdown()
            }
        }
        print(
            "pipeline: \(mode.rawValue) front end (type 2, 40 MHz, occupancy \(settings.occupancy), 4-bit input code) -> inproc -> integer network '\(network.name)' -> inproc -> consumer"
        )
        let s = try consumer.consumeRun(idleTimeout: .seconds(120))
        frontEnd.join()
        inference.join()
        guard let f = frontEndStats.value, let i = inferenceStats.value else { throw ExitCode(3) }
        if f.stopReason == "signal" { print("pipeline: stopped by a signal after \(f.bunchCrossings) of \(n) crossings") }
        print(
            String(
                format: "front end: %llu crossings (%.3f s of LHC time), %llu clusters, real-time factor %.2f", f.bunchCrossings, f.simulatedSeconds,
                f.clusters, f.realTimeFactor))
        print(
            String(
                format: "inference: %llu events, %.0f events/s, latency p50 %llu ns, p99 %llu ns, max %llu ns; skipped %llu", i.events, i.eventsPerS,
                i.latencyP50Ns, i.latencyP99Ns, i.latencyMaxNs, i.skippedRecords))
        print(
            "consumer: \(s.records) predictions in \(s.dataMessages) messages; end-of-run says \(s.recordsSent.map(String.init) ?? "nothing"); missing messages \(s.missingMessages)"
        )
        guard s.complete, s.records == f.clusters, i.skippedRecords == 0, i.upstreamRecordsSent == f.clusters else {
            print("pipeline: INCOMPLETE")
            throw ExitCode(3)
        }
        print("pipeline: complete, every cluster has its prediction")
    }
}

extension FrameSourceSettings.Mode: ExpressibleByArgument {}
