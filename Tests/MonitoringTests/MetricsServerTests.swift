import Foundation
import Testing

@testable import Monitoring
@testable import StageServices

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Stages' statistics through swift-metrics into a Prometheus registry, served over HTTP.
/// (The servers run on the test process's concurrency pool, which the socket and process
/// tests block for minutes: scripts/test.sh runs this suite on its own. Waits here are
/// generous, never timed.)
@Suite struct MetricsServerTests {
    /// The value of `name{labels}` in a Prometheus text exposition.
    static func value(_ text: String, _ name: String, _ labels: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            if parts[0] == "\(name){\(labels)}" { return Double(parts[1]) }
        }
        return nil
    }

    @Test func countersEqualTheStatisticsAfterEveryPublish() {
        let backend = MetricsBackend()
        let metrics = StageMetrics(factory: backend.factory, stage: "trigger")
        var s = TriggerStats()
        s.runID = 7
        s.decisions = 1000
        s.kept = 70
        metrics.publish(s)
        s.decisions = 2500
        s.kept = 180
        s.missedInputs = 2
        metrics.publish(s)
        // A snapshot never goes back: an older one is ignored.
        var older = s
        older.decisions = 2000
        metrics.publish(older)
        let text = backend.exposition()
        #expect(Self.value(text, "smartpix_clusters_in_total", #"stage="trigger""#) == 2500, "\(text)")
        #expect(Self.value(text, "smartpix_kept_total", #"stage="trigger""#) == 180)
        #expect(Self.value(text, "smartpix_missed_messages_total", #"stage="trigger""#) == 2)
        #expect(Self.value(text, "smartpix_malformed_messages_total", #"stage="trigger""#) == 0, "a counter that stays 0 is still exported")
        #expect(Self.value(text, "smartpix_run_info", #"stage="trigger",run_id="7""#) == 1)
    }

    @Test func latencySamplesFallInBucketsFrom100nsTo1ms() {
        let backend = MetricsBackend()
        let metrics = StageMetrics(factory: backend.factory, stage: "inference", worker: 1)
        for ns: UInt64 in [150, 150, 900, 40_000, 2_000_000] { metrics.sampleLatency(nanoseconds: ns) }
        let text = backend.exposition()
        let labels = #"stage="inference",worker="1""#
        #expect(Self.value(text, "smartpix_latency_seconds_bucket", labels + #",le="0.0000001""#) == 0, "\(text)")
        #expect(Self.value(text, "smartpix_latency_seconds_bucket", labels + #",le="0.0000002""#) == 2)
        #expect(Self.value(text, "smartpix_latency_seconds_bucket", labels + #",le="0.000001""#) == 3)
        #expect(Self.value(text, "smartpix_latency_seconds_bucket", labels + #",le="0.00005""#) == 4)
        #expect(Self.value(text, "smartpix_latency_seconds_bucket", labels + #",le="0.001""#) == 4)
        #expect(Self.value(text, "smartpix_latency_seconds_count", labels) == 5)
    }

    @Test func servesMetricsAndTheLivePageAndRefusesABusyPort() async throws {
        let backend = MetricsBackend()
        StageMetrics(factory: backend.factory, stage: "front_end").count("clusters_out_total", 42)
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, content: .stage(backend))

        let (metrics, response) = try await URLSession.shared.data(from: URL(string: "http://\(server.address)/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(Self.value(String(decoding: metrics, as: UTF8.self), "smartpix_clusters_out_total", #"stage="front_end""#) == 42)
        let (page, _) = try await URLSession.shared.data(from: URL(string: "http://\(server.address)/")!)
        let html = String(decoding: page, as: UTF8.self)
        #expect(html.contains(#"const SOURCES = [{"history":"history","metrics":"metrics","name":"this process"}]"#))
        let port = UInt16(server.address.split(separator: ":").last!)!
        await #expect(throws: MonitoringError.self) { try await MetricsServer.start(host: "127.0.0.1", port: port, content: .stage(backend)) }
        await server.stop()
    }

    @Test func aDashboardGathersStagesAndSaysWhichIsUnreachable() async throws {
        let backend = MetricsBackend()
        StageMetrics(factory: backend.factory, stage: "trigger").count("kept_total", 9)
        let stage = try await MetricsServer.start(host: "127.0.0.1", port: 0, content: .stage(backend))

        let gone = URL(string: "http://127.0.0.1:1/metrics")!
        let dashboard = try await MetricsServer.start(
            host: "127.0.0.1", port: 0, content: .dashboard([URL(string: "http://\(stage.address)/metrics")!, gone], timeout: 120))

        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://\(dashboard.address)/stage/0/metrics")!)
        let gathered = String(decoding: metrics, as: UTF8.self)
        #expect(Self.value(gathered, "smartpix_kept_total", #"stage="trigger""#) == 9, "\(gathered)")
        // The stage sampled itself when it started: its history has that snapshot.
        let (history, _) = try await URLSession.shared.data(from: URL(string: "http://\(dashboard.address)/stage/0/history")!)
        let snapshots = try JSONDecoder().decode([History.Snapshot].self, from: history)
        #expect(snapshots.first?.text.contains(#"smartpix_kept_total{stage="trigger"} 9"#) == true, "\(snapshots)")
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://\(dashboard.address)/stage/1/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 502)
        await dashboard.stop()
        await stage.stop()
    }

    @Test func thePageCarriesNothingFromOutsideAndEscapesSourceNames() {
        let html = LivePage.html(sources: [.init(name: "a</script><b>", metrics: "stage/0/metrics", history: "stage/0/history")])
        #expect(!html.contains("a</script>") && html.contains(#"a<\/script><b>"#))
        // Self-contained: no script, style or image fetched from elsewhere.
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import"))
    }
}
