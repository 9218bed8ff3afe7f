import ArgumentParser
import CommandLineSupport
import Foundation
import Monitoring
import StageServices

struct Dashboard: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One live page for several stages' metrics endpoints (a chain over processes or hosts).",
        discussion: """
            Serves the live page (docs/monitoring.md) on --listen, drawing every stage named in \
            --stages side by side; it fetches each stage's /metrics itself, so the browser needs \
            to reach only the dashboard. Runs until SIGINT or SIGTERM.
            """)

    @Option(
        help: ArgumentHelp(
            "The stages' metrics endpoints, comma-separated: http://HOST:PORT (their /metrics) or a full URL.",
            discussion: "What each stage's --metrics serves, e.g. http://10.0.0.2:9464,http://10.0.0.3:9464.", valueName: "url,url,..."))
    var stages: String

    @Option(help: ArgumentHelp("Address of the page: HOST:PORT, :PORT or PORT (host 127.0.0.1 unless given).", valueName: "address:port"))
    var listen = ListenAddress(argument: "127.0.0.1:9400")!

    /// The endpoints, each a /metrics URL.
    static func endpoints(_ text: String) throws -> [URL] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, items.count <= 64 else { throw ValidationError("--stages takes 1 to 64 URLs, got \(items.count)") }
        return try items.map { item in
            guard var c = URLComponents(string: item), c.scheme == "http", let host = c.host, !host.isEmpty else {
                throw ValidationError("--stages: '\(item)' is not an http://HOST:PORT URL")
            }
            if c.path.isEmpty || c.path == "/" { c.path = "/metrics" }
            return c.url!
        }
    }

    func validate() throws { _ = try Self.endpoints(stages) }

    func run() throws {
        installStopSignals()
        let urls = try Self.endpoints(stages)
        let server: MetricsServer
        do {
            server = try MetricsServer.startWaiting(host: listen.host, port: listen.port, content: .dashboard(urls))
        } catch { throw ValidationError("--listen \(listen): \(error)") }
        // Unbuffered: a launcher reads the address while the dashboard runs.
        FileHandle.standardOutput.write(Data("dashboard of \(urls.count) stage\(urls.count == 1 ? "" : "s") on http://\(server.address)/\n".utf8))
        while !processStopFlag.isStopped { usleep(100_000) }
        server.stopWaiting()
    }
}
