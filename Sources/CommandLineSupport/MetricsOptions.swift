import ArgumentParser
import Foundation
import Monitoring
import StageServices

/// `HOST:PORT`, `:PORT` or `PORT` for `--metrics`: an IPv4 address (127.0.0.1 when none is
/// given; 0.0.0.0 for every interface; `localhost` is 127.0.0.1) and a port (0: any free one).
public struct ListenAddress: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let port = UInt16(parts.last ?? "") else { return nil }
        var host = parts.count == 2 && !parts[0].isEmpty ? String(parts[0]) : "127.0.0.1"
        if host == "localhost" { host = "127.0.0.1" }
        var addr = in_addr()
        guard inet_pton(AF_INET, host, &addr) == 1 else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
    public static var defaultCompletionKind: CompletionKind { .default }
}

/// `--metrics` and `--metrics-linger`, shared by every long-running stage.
public struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve live metrics on this address: /metrics (Prometheus text) and / (the live page).",
            discussion:
                "HOST:PORT, :PORT or PORT; the host defaults to 127.0.0.1 (0.0.0.0 serves every interface), port 0 takes a free one. Off by default. docs/monitoring.md lists the metrics.",
            valueName: "address:port"))
    public var metrics: ListenAddress?

    @Option(
        help: ArgumentHelp(
            "With --metrics: keep serving this long after the run ends, so that a scraper reads the final totals (units: ms, s, min; a stop signal cuts it short).",
            valueName: "duration"))
    public var metricsLinger = "0s"

    public init() {}

    public func validate() throws {
        guard Quantities.duration(metricsLinger) != nil else {
            throw ValidationError("--metrics-linger '\(metricsLinger)' is not a duration such as 5s")
        }
    }

    /// The endpoint, when asked for: its metrics backend and server, started (a busy port is
    /// refused naming the flag). Prints where it listens on stderr.
    public func start(_ program: String) throws -> MetricsEndpoint? {
        guard let metrics else { return nil }
        let backend = MetricsBackend()
        let server: MetricsServer
        do {
            server = try MetricsServer.startWaiting(host: metrics.host, port: metrics.port, content: .stage(backend))
        } catch {
            throw ValidationError("--metrics \(metrics): \(error)")
        }
        FileHandle.standardError.write(Data("\(program): metrics on http://\(server.address)/metrics, live page http://\(server.address)/\n".utf8))
        return MetricsEndpoint(backend: backend, server: server, linger: Quantities.duration(metricsLinger) ?? .zero)
    }
}

/// A running `--metrics` endpoint.
public struct MetricsEndpoint: Sendable {
    public let backend: MetricsBackend
    public let server: MetricsServer
    public let linger: Duration

    /// Metrics of one stage of this process.
    public func stage(_ name: String, worker: Int? = nil) -> StageMetrics { StageMetrics(factory: backend.factory, stage: name, worker: worker) }

    /// Keeps serving for `--metrics-linger` (a stop signal cuts it short), then stops.
    public func finish() {
        let end = ContinuousClock.now + linger
        while ContinuousClock.now < end, !processStopFlag.isStopped { usleep(50_000) }
        server.stopWaiting()
    }
}
