import Histogram
import ReadoutProtocol
import ReadoutSim

/// The chain's last stage, in one process or at the end of separate ones: takes the
/// decisions, measures each one's latency, counts the kept ones and closes time windows.
struct ChainConsumer {
    /// Crossing 0's moment on this process's clock and the crossing rate; until both are
    /// known (across processes: the front end's run-start), latency and lag are not measured.
    var origin: ContinuousClock.Instant?
    var rateHz: Double?
    /// Paced runs measure from the crossing's moment, others from the frames message's send.
    let fromCrossing: Bool
    let sendLog: SendLog?
    let windowLength: Duration
    let metrics: StageMetrics?
    /// Resident memory at a window's end: this process's, or each process's by name.
    let memory: () -> [String: UInt64]?

    /// Latencies in nanoseconds, up to 10 minutes: over the run and in the open window.
    private(set) var total = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    private var window: Histogram<UInt64>
    private var windowStart: ContinuousClock.Instant?
    private var windowDecided: UInt64 = 0, lastCrossing: UInt64 = 0
    private var lastDecisionAt: ContinuousClock.Instant?
    private(set) var received: UInt64 = 0, kept: UInt64 = 0, keptFrames: UInt64 = 0
    private(set) var windows: [ChainWindow] = []

    init(
        origin: ContinuousClock.Instant?, rateHz: Double?, fromCrossing: Bool, sendLog: SendLog?, window: Duration, metrics: StageMetrics?,
        memory: @escaping () -> [String: UInt64]?
    ) {
        self.origin = origin
        self.rateHz = rateHz
        self.fromCrossing = fromCrossing
        self.sendLog = sendLog
        windowLength = window
        self.metrics = metrics
        self.memory = memory
        self.window = total
        windowStart = origin
    }

    /// Crossing `bx`'s moment, when the origin is known.
    private func moment(ofCrossing bx: UInt64) -> ContinuousClock.Instant? {
        guard let origin, let rateHz else { return nil }
        return origin + .nanoseconds(Int64(FrameSource.time(ofCrossing: bx, rate: rateHz)))
    }

    mutating func take(_ m: StreamMessage, at now: ContinuousClock.Instant, onWindow: (ChainWindow) -> Void) {
        // Windows close on decisions; the end-of-run's arrival is left to `finish`.
        guard case .decisions(let d) = m.payload else { return }
        for (k, r) in d.records.enumerated() {
            if let from = fromCrossing ? moment(ofCrossing: r.bunchCrossing) : sendLog?.sent(crossing: r.bunchCrossing) {
                let ns = UInt64(max((now - from).nanoseconds, 0))
                _ = total.record(ns)
                _ = window.record(ns)
                if k == 0 { metrics?.sampleLatency(nanoseconds: ns) }
            }
            if r.keep { kept += 1 }
            lastCrossing = max(lastCrossing, r.bunchCrossing)
        }
        keptFrames += UInt64(d.keptFrames?.count ?? 0)
        windowDecided += UInt64(d.count)
        received += UInt64(d.count)
        lastDecisionAt = now
        if windowStart == nil { windowStart = origin }
        if let start = windowStart, now - start >= windowLength { closeWindow(at: now, onWindow: onWindow) }
    }

    /// Closes the last, partial window if it saw decisions. It ends at its last decision: the
    /// clock runs on until the end-of-run arrives, the crossings do not.
    mutating func finish(onWindow: (ChainWindow) -> Void) {
        if windowDecided > 0, let last = lastDecisionAt { closeWindow(at: last, onWindow: onWindow) }
    }

    private mutating func closeWindow(at now: ContinuousClock.Instant, onWindow: (ChainWindow) -> Void) {
        let start = windowStart ?? now
        let seconds = (now - start).seconds
        var w = ChainWindow()
        w.seconds = origin.map { (now - $0).seconds } ?? 0
        w.decided = windowDecided
        w.decisionsPerS = seconds > 0 ? Double(windowDecided) / seconds : 0
        if let due = moment(ofCrossing: lastCrossing) { w.lagUs = (now - due).seconds * 1e6 }
        w.latencyUs = LatencySummary(window)
        w.residentBytesByProcess = memory()
        w.residentBytes = w.residentBytesByProcess?.values.reduce(0, +) ?? ResidentMemory.bytes ?? 0
        windows.append(w)
        metrics?.publish(window: w, received: received, kept: kept, latency: LatencySummary(total))
        onWindow(w)
        window.reset()
        windowDecided = 0
        windowStart = now
    }
}

extension ChainReport {
    /// The run's accounting from every stage's statistics and the consumer's: what each hop
    /// passed on and lost, the real-time factor and the shortfalls that make a run incomplete.
    mutating func account(
        frontEnd f: FrontEndStats, inference i: [InferenceStats], trigger t: TriggerStats, consumer: ChainConsumer, wallSeconds: Double, thresholdGeV: Double
    ) {
        frontEnd = f
        inference = i
        trigger = t
        windows = consumer.windows
        kept = consumer.kept
        keptFramesReceived = consumer.keptFrames
        crossings = f.bunchCrossings
        generated = f.clusters
        inferred = i.reduce(0) { $0 + $1.events }
        decided = t.decisions
        received = self.consumer.records
        let hops = [
            ("front end -> inference", f.clusters, inferred), ("inference -> trigger", inferred, t.decisions), ("trigger -> consumer", t.decisions, received),
        ]
        for (name, sent, arrived) in hops { lostPerHop[name] = sent > arrived ? sent - arrived : 0 }
        lost = f.clusters > received ? f.clusters - received : 0
        self.wallSeconds = wallSeconds
        rtf = wallSeconds > 0 ? f.simulatedSeconds / wallSeconds : 0
        latencyUs = LatencySummary(consumer.total)
        dataReduction = received > 0 ? 1 - Double(kept) / Double(received) : 0
        byteReduction = t.byteReduction
        self.thresholdGeV = thresholdGeV
        efficiency = t.efficiency
        var missing = self.consumer.shortfalls
        if lost > 0 { missing.append("\(lost) of \(f.clusters) clusters generated got no decision") }
        if keptFramesReceived != kept { missing.append("\(kept) kept, \(keptFramesReceived) kept frames arrived") }
        for (w, stats) in i.enumerated() { missing += stats.imbalance.map { "inference\(i.count > 1 ? " \(w)" : ""): \($0)" } }
        missing += t.imbalance.map { "trigger: \($0)" }
        shortfalls += missing
        complete = shortfalls.isEmpty
    }
}
