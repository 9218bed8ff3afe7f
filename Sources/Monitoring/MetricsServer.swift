import FlyingFox
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The HTTP side of monitoring (FlyingFox: a small server on Swift concurrency and plain
/// sockets, no SwiftNIO to build). A stage serves `/metrics` (Prometheus text), `/history`
/// (its metrics once a second over the last five minutes, so that a page opened mid-run
/// draws them at once) and `/` (the live page of its own metrics); a dashboard serves `/` for
/// several stages and fetches each one's metrics for the page at `/stage/N/metrics` and
/// `/stage/N/history`.
public final class MetricsServer: Sendable {
    public enum Content: Sendable {
        /// This process's metrics.
        case stage(MetricsBackend)
        /// Other processes' `/metrics` endpoints, gathered on one page; a stage that does not
        /// answer within `timeout` seconds is reported unreachable.
        case dashboard([URL], timeout: Double = 2)
    }

    /// `host:port` it listens on (the port chosen by the system when 0 was asked for).
    public let address: String
    private let server: HTTPServer
    private let running: Task<Void, Never>
    private let sampling: Task<Void, Never>?

    private init(address: String, server: HTTPServer, running: Task<Void, Never>, sampling: Task<Void, Never>?) {
        self.address = address
        self.server = server
        self.running = running
        self.sampling = sampling
    }

    /// Binds `host:port` (an IPv4 address) and serves `content` until `stop`. Throws when
    /// the address cannot be bound (a busy port), with the system's reason.
    public static func start(host: String, port: UInt16, content: Content) async throws -> MetricsServer {
        let server = HTTPServer(address: try .inet(ip4: host, port: port), logger: .disabled)
        var history: History?
        if case .stage(let backend) = content { history = History(backend) }
        await route(server, content, history)
        let failure = Slot<String>()
        let running = Task {
            do { try await server.run() } catch { failure.value = "\(error)" }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while await !server.isListening {
            if let f = failure.value { throw MonitoringError("cannot listen on \(host):\(port): \(f)") }
            guard ContinuousClock.now < deadline else {
                running.cancel()
                throw MonitoringError("cannot listen on \(host):\(port) within 5 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        var address = "\(host):\(port)"
        if case .ip4(let h, let p) = await server.listeningAddress { address = "\(h):\(p)" }
        let sampling = history.map { h in
            Task {
                while !Task.isCancelled {
                    h.sample()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        return MetricsServer(address: address, server: server, running: running, sampling: sampling)
    }

    /// `start` for a synchronous caller (a stage's main thread; never a task of the
    /// concurrency pool, which it would block).
    public static func startWaiting(host: String, port: UInt16, content: Content) throws -> MetricsServer {
        try blocking { try await start(host: host, port: port, content: content) }
    }

    /// Closes the listening socket and open connections.
    public func stop() async {
        sampling?.cancel()
        await server.stop(timeout: 1)
        running.cancel()
    }

    /// `stop` for a synchronous caller.
    public func stopWaiting() {
        _ = try? blocking { await self.stop() }
    }

    private static func route(_ server: HTTPServer, _ content: Content, _ history: History?) async {
        switch content {
        case .stage(let backend):
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: prometheusText], body: Data(backend.exposition().utf8))
            }
            await server.appendRoute("GET /history") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: history?.json() ?? Data("[]".utf8))
            }
            await server.appendRoute("GET /") { _ in page(LivePage.html(sources: [.init(name: "this process", metrics: "metrics", history: "history")])) }
        case .dashboard(let urls, let timeout):
            await server.appendRoute("GET /") { _ in
                page(
                    LivePage.html(
                        sources: urls.indices.map { .init(name: urls[$0].absoluteString, metrics: "stage/\($0)/metrics", history: "stage/\($0)/history") }))
            }
            for (i, url) in urls.enumerated() {
                await server.appendRoute(HTTPRoute("GET /stage/\(i)/metrics")) { _ in await fetch(url, timeout: timeout) }
                let history = url.deletingLastPathComponent().appendingPathComponent("history")
                await server.appendRoute(HTTPRoute("GET /stage/\(i)/history")) { _ in await fetch(history, timeout: timeout) }
            }
        }
    }

    static let prometheusText = "text/plain; version=0.0.4; charset=utf-8"

    private static func page(_ html: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: Data(html.utf8))
    }

    /// A stage's metrics for the dashboard's page; 502 with the reason when it cannot be reached.
    private static func fetch(_ url: URL, timeout: Double) async -> HTTPResponse {
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else { return HTTPResponse(statusCode: .badGateway, body: Data("\(url): HTTP \(status)".utf8)) }
            let type = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") ?? prometheusText
            return HTTPResponse(statusCode: .ok, headers: [.contentType: type], body: data)
        } catch {
            return HTTPResponse(statusCode: .badGateway, body: Data("\(url): \(error.localizedDescription)".utf8))
        }
    }
}

/// The last five minutes of a process's metrics, one exposition a second, histogram buckets
/// left out (the page does not draw them): about 1 MB at most.
final class History: Sendable {
    struct Snapshot: Codable {
        let t: Double
        let text: String
    }
    static let keep = 300
    private let backend: MetricsBackend
    private let snapshots = Mutex<[Snapshot]>([])

    init(_ backend: MetricsBackend) { self.backend = backend }

    func sample() {
        let text = backend.exposition().split(separator: "\n").filter { !$0.contains("_bucket{") && !$0.hasPrefix("#") }.joined(separator: "\n")
        let s = Snapshot(t: Date().timeIntervalSince1970, text: text)
        snapshots.withLock {
            $0.append(s)
            if $0.count > Self.keep { $0.removeFirst($0.count - Self.keep) }
        }
    }

    func json() -> Data { (try? JSONEncoder().encode(snapshots.withLock { $0 })) ?? Data("[]".utf8) }
}

public struct MonitoringError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
