import CoreMetrics
import Synchronization

/// A stage's numbers as live metrics, through swift-metrics (the executables export them with
/// swift-prometheus: docs/monitoring.md). A stage keeps its statistics on its own thread as
/// before; `publish` turns a snapshot of them into metrics (a counter advances by what is new
/// since the last snapshot, a gauge takes the value), about twice a second and once at the end
/// of the run. The data path pays nothing per cluster, and after the last publish every
/// metric equals the end-of-run statistics exactly. Latency histograms take one event per
/// message (`sampleLatency`), the exact percentiles are gauges from the stage's HDR histogram.
public final class StageMetrics: Sendable {
    public let factory: any MetricsFactory
    /// `stage` (front_end, inference, trigger, consumer, chain) and, for a worker, `worker`.
    public let labels: [(String, String)]
    private let latency: CoreMetrics.Timer
    private let published = Mutex<[String: UInt64]>([:])

    /// Metric names all start with this.
    public static let prefix = "smartpix_"

    public init(factory: any MetricsFactory, stage: String, worker: Int? = nil) {
        self.factory = factory
        labels = [("stage", stage)] + (worker.map { [("worker", String($0))] } ?? [])
        latency = Timer(label: Self.prefix + "latency_seconds", dimensions: labels, factory: factory)
    }

    /// The same stage name for another worker, or another stage, on the same backend.
    public func sibling(stage: String, worker: Int? = nil) -> StageMetrics { StageMetrics(factory: factory, stage: stage, worker: worker) }

    /// A counter's new total (it only ever grows: a smaller total is ignored).
    public func count(_ name: String, _ total: UInt64, _ extra: [(String, String)] = []) {
        let dimensions = labels + extra
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let delta: UInt64 = published.withLock { last in
            let before = last[key] ?? 0
            guard total > before else { return 0 }
            last[key] = total
            return total - before
        }
        let counter = Counter(label: Self.prefix + name, dimensions: dimensions, factory: factory)
        // Created at 0 on first sight, so that a counter that stays 0 is still exported.
        if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
    }

    public func gauge(_ name: String, _ value: Double, _ extra: [(String, String)] = []) {
        Gauge(label: Self.prefix + name, dimensions: labels + extra, factory: factory).record(value)
    }

    /// One event's latency (nanoseconds) into the `latency_seconds` histogram.
    public func sampleLatency(nanoseconds: UInt64) {
        latency.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// `run_info{run_id=...} 1`: which run the stage serves.
    public func run(_ runID: UInt64) {
        gauge("run_info", 1, [("run_id", String(runID))])
    }

    /// Exact latency percentiles (seconds) of the run so far.
    func latencyGauges(p50: UInt64, p99: UInt64, p999: UInt64?, max: UInt64) {
        gauge("latency_p50_seconds", Double(p50) / 1e9)
        gauge("latency_p99_seconds", Double(p99) / 1e9)
        if let p999 { gauge("latency_p999_seconds", Double(p999) / 1e9) }
        gauge("latency_max_seconds", Double(max) / 1e9)
    }

    func residentMemory() {
        if let bytes = ResidentMemory.bytes { gauge("resident_memory_bytes", Double(bytes)) }
    }
}
