import Foundation
import ReadoutProtocol
import Testing
import ZeroMQ

@testable import StageServices

#if canImport(FoundationNetworking)
    import FoundationNetworking  // String(contentsOf:) of an http URL
#endif

/// `--metrics` on the stages as a user drives them: refused by name when wrong or busy, and
/// what it serves at the end of a run equals the run's statistics file.
@Suite struct MetricsCommandTests {
    @Test(arguments: [
        ("readout-sim", ["--mode", "physics", "--bunch-crossings", "1000"]), ("onpixel-infer", ["--idle-timeout", "1s"]),
        ("trigger-filter", ["--idle-timeout", "1s"]), ("smartpix", ["pipeline", "--crossings", "1000"]), ("smartpix", ["soak", "--duration", "1s"]),
    ])
    func badAddressesAreRefusedByName(command: String, arguments: [String]) throws {
        for bad in ["127.0.0.1:70000", "example.org:9464", "1.2.3:80", "9464:", "::1:9464"] {
            let r = try Executables.run(command, arguments + ["--metrics", bad], timeout: 30)
            #expect(r.status == 64 && r.err.contains("--metrics"), "\(command) --metrics \(bad): \(r.status) \(r.err)")
        }
        let r = try Executables.run(command, arguments + ["--metrics", "127.0.0.1:0", "--metrics-linger", "soon"], timeout: 30)
        #expect(r.status == 64 && r.err.contains("--metrics-linger"), "\(r.err)")
    }

    /// A port another process listens on is refused at start, naming the flag and the reason.
    @Test func aBusyPortIsRefusedAtStart() throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        #expect(bound)
        let port = UInt16(bigEndian: addr.sin_port)
        let r = try Executables.run("trigger-filter", ["--idle-timeout", "1s", "--metrics", "127.0.0.1:\(port)"], timeout: 30)
        #expect(r.status == 64 && r.err.contains("--metrics 127.0.0.1:\(port)") && r.err.contains("in use"), "\(r.err)")
    }

    /// readout-sim with --metrics: after the run, during --metrics-linger, /metrics says what
    /// its statistics file says.
    /// (Synchronous: it blocks on sockets, which an async test must not do to the shared pool.)
    @Test func readoutSimServesItsFinalTotals() throws {
        let ctx = try Context()
        let stats = NSTemporaryDirectory() + "sim-metrics-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: stats) }
        let sim = try StageProcess(
            "readout-sim",
            [
                "--mode", "physics", "--occupancy", "0.01", "--bunch-crossings", "100000", "--endpoint", "tcp://127.0.0.1:*", "--metrics", "127.0.0.1:0",
                "--metrics-linger", "20s", "--stats-json", stats,
            ])
        let endpoint = try sim.endpoint(after: "push on ")
        let metricsURL = try sim.endpoint(after: "metrics on ")
        var consumer = try StreamReceiver(context: ctx, endpoint: "connect:" + endpoint, pattern: .push)
        while let m = try consumer.next(timeout: .seconds(120)) { if case .endOfRun = m.payload { break } }
        // The statistics file is written just before the linger starts.
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: stats), Date() < deadline { usleep(100_000) }
        let s = try JSONDecoder().decode(FrontEndStats.self, from: Data(contentsOf: URL(fileURLWithPath: stats)))
        let text = try String(contentsOf: URL(string: metricsURL)!, encoding: .utf8)
        func value(_ name: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(#"smartpix_\#(name){stage="front_end"} "#) }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect(s.clusters > 0 && value("clusters_out_total") == Double(s.clusters), "\(text)")
        #expect(value("bunch_crossings_total") == Double(s.bunchCrossings) && value("messages_out_total") == Double(s.messages))
        #expect(value("bytes_out_total") == Double(s.bytes) && value("dropped_records_total") == 0)
        #expect(value("real_time_factor") == s.realTimeFactor)
        #expect(text.contains(#"smartpix_run_info{stage="front_end",run_id="1"} 1"#))
        kill(sim.process.processIdentifier, SIGTERM)
        #expect(sim.wait(timeout: 30))
    }
}
