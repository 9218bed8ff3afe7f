import CoreMetrics
import Prometheus

/// A process's live metrics: a Prometheus registry (swift-prometheus) and the swift-metrics
/// factory that feeds it. The stages write through swift-metrics; the registry renders the
/// Prometheus text format for `/metrics`.
public struct MetricsBackend: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let factory: PrometheusMetricsFactory

    /// Latency histogram buckets: 1-2-5 steps from 100 ns to 1 s, so that a stage's per-event
    /// latency (100 ns to a few us) and the chain's end-to-end latency (us to ms) both resolve.
    public static let latencyBuckets: [Duration] =
        (-7 ... -1).flatMap { e in
            [1, 2, 5].map { Duration.nanoseconds(Int64($0) * pow10(e + 9)) }
        } + [.seconds(1)]

    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory = f
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}

private func pow10(_ e: Int) -> Int64 { (0..<e).reduce(1) { r, _ in r * 10 } }
