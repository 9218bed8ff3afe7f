import CoreMetrics
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim
import TriggerFilter
import ZeroMQ

/// The whole chain in one process: front end -> on-pixel inference -> trigger filter -> a
/// consumer of decisions and kept frames, each stage on its own thread with its own
/// service (the same ones the separate executables run), joined by inproc PUSH/PULL. The
/// consumer measures end-to-end latency per cluster and reports in time windows.
public enum Chain {
    public struct Configuration: Sendable {
        /// The front end's settings (its endpoint is set here); `realtime` paces to the clock.
        public var frontEnd = FrontEndService.Configuration()
        public var inferenceThreads = 1
        /// Inference workers, each with its own output of the front end (see `FanOutSender`).
        public var inferenceWorkers = 1
        /// Each inference event takes at least this long (see `InferenceService.Configuration`).
        public var minimumEventTime: Duration?
        public var policy: TriggerPolicy = .uncertaintyAware(threshold: 0.2, confidence: 0.5)
        public var highWaterMark = 1000
        /// Reporting window of the consumer.
        public var window: Duration = .seconds(1)
        /// A stage that hears nothing for this long ends its run.
        public var idleTimeout: Duration = .seconds(60)
        /// Where every stage's numbers go live (labels `stage` front_end, inference, trigger,
        /// consumer, chain; `worker` with several workers); nil: nowhere.
        public var metrics: (any MetricsFactory)?
        public init() {}
    }

    /// Runs the chain until the front end's stop condition or `stop`; `onWindow` is called
    /// from the consumer (the calling thread) at the end of every window.
    public static func run(
        source: FrameSource, model: QuantizedModel, configuration c: Configuration, stop: StopFlag, onWindow: (ChainWindow) -> Void = { _ in }
    ) throws -> ChainReport {
        let context = try Context()
        let id = UUID().uuidString
        let workers = max(1, c.inferenceWorkers)
        let frames = (0..<workers).map { "inproc://chain-frames-\(id)-\($0)" }
        let predictions = "inproc://chain-predictions-\(id)", decisions = "inproc://chain-decisions-\(id)"
        let origin = ContinuousClock.now
        let sendLog = SendLog(origin: origin)
        var consumer = try StreamReceiver(context: context, endpoint: "bind:" + decisions, pattern: .push, highWaterMark: c.highWaterMark)
        consumer.codeDecoding = .packed  // it counts the kept frames, it does not read their pixels
        let frontEndStats = SharedValue<FrontEndStats?>(nil), inferenceStats = (0..<workers).map { _ in SharedValue<InferenceStats?>(nil) }
        let triggerStats = SharedValue<TriggerStats?>(nil), failure = SharedValue<String?>(nil)
        let metrics = c.metrics.map { StageMetrics(factory: $0, stage: "consumer") }
        // A stage that fails says why and stops the others through the context.
        @Sendable func fail(_ stage: String, _ error: any Error) {
            failure.value = "\(stage): \(error)"
            context.shutdown()
        }
        let trigger = WorkerThread(name: "trigger") {
            do {
                var t = TriggerService.Configuration()
                t.input = "bind:" + predictions
                t.output = "connect:" + decisions
                t.highWaterMark = c.highWaterMark
                t.policy = c.policy
                t.idleTimeout = c.idleTimeout
                t.upstreamStreams = workers
                t.metrics = metrics?.sibling(stage: "trigger")
                var service = try TriggerService(context: context, configuration: t)
                triggerStats.value = try service.run(stop: StopFlag())
            } catch { fail("trigger", error) }
        }
        let inference = (0..<workers).map { w in
            WorkerThread(name: "inference \(w)") {
                do {
                    var i = InferenceService.Configuration(
                        input: "bind:" + frames[w], output: "connect:" + predictions, highWaterMark: c.highWaterMark, threads: c.inferenceThreads,
                        streamID: UInt32(w), idleTimeout: c.idleTimeout)
                    i.forwardFrames = true
                    i.minimumEventTime = c.minimumEventTime
                    i.metrics = metrics?.sibling(stage: "inference", worker: workers > 1 ? w : nil)
                    var service = try InferenceService(model: model, context: context, configuration: i)
                    inferenceStats[w].value = try service.run(stop: StopFlag())
                } catch { fail("inference \(w)", error) }
            }
        }
        let frontEnd = WorkerThread(name: "front end") {
            do {
                var f = c.frontEnd
                f.endpoints = frames.map { "connect:" + $0 }
                f.highWaterMark = c.highWaterMark
                f.origin = origin
                f.sendLog = sendLog
                f.metrics = metrics?.sibling(stage: "front_end")
                var service = try FrontEndService(source: source, context: context, configuration: f)
                frontEndStats.value = try service.run(stop: stop)
            } catch { fail("front end", error) }
        }

        // The consumer: every decision's latency, kept frames, windows.
        let clock = ContinuousClock()
        var taker = ChainConsumer(
            origin: origin, rateHz: source.settings.rate, fromCrossing: c.frontEnd.realtime, sendLog: sendLog, window: c.window, metrics: metrics,
            memory: { nil })
        var report = ChainReport()
        report.latencyFrom = c.frontEnd.realtime ? "crossing" : "send"
        report.consumer = try consumer.consumeRun(idleTimeout: c.idleTimeout) { m in taker.take(m, at: clock.now, onWindow: onWindow) }
        let end = clock.now
        taker.finish(onWindow: onWindow)
        frontEnd.join()
        for w in inference { w.join() }
        trigger.join()
        if let failure = failure.value { throw ChainFailure(description: failure) }
        let i = inferenceStats.compactMap(\.value)
        guard let f = frontEndStats.value, i.count == workers, let t = triggerStats.value else {
            throw ChainFailure(description: "a stage ended without its statistics")
        }
        report.account(frontEnd: f, inference: i, trigger: t, consumer: taker, wallSeconds: (end - origin).seconds, thresholdGeV: c.policy.thresholdGeV)
        if let metrics {
            metrics.publish(window: report.windows.last ?? ChainWindow(), received: report.received, kept: report.kept, latency: report.latencyUs)
            metrics.sibling(stage: "chain").publish(report)
        }
        return report
    }
}

public struct ChainFailure: Error, CustomStringConvertible {
    public let description: String
}
