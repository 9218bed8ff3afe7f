import Foundation
import Testing

/// The main job as a user runs it: front end -> inference -> trigger -> consumer in one
/// process, every cluster accounted for at every hop.
@Suite struct PipelineCommandTests {
    func report(_ arguments: [String]) throws -> [String: Any] {
        let r = try Executables.run("smartpix", ["pipeline", "--mode", "physics", "--json"] + arguments, timeout: 300)
        #expect(!r.killed && r.status == 0, "\(r.status): \(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "not one JSON object: \(r.out)")
    }

    @Test func everyClusterGeneratedIsDecidedAndTheReportAddsUp() throws {
        let j = try report(["--crossings", "20000", "--policy", "point-cut", "--threshold", "0.3"])
        let generated = try #require(j["generated"] as? UInt64)
        #expect(generated > 400, "20,000 crossings at 0.04 clusters each")
        for key in ["inferred", "decided", "received"] { #expect(j[key] as? UInt64 == generated, "\(key)") }
        #expect(j["lost"] as? UInt64 == 0 && j["complete"] as? Bool == true)
        let kept = try #require(j["kept"] as? UInt64)
        #expect(j["kept_frames_received"] as? UInt64 == kept)
        #expect(abs((j["data_reduction"] as! Double) - (1 - Double(kept) / Double(generated))) < 1e-12)
        let latency = try #require(j["latency_us"] as? [String: Any])
        let p = ["p50", "p99", "p999", "max"].map { latency[$0] as! Double }
        #expect(p[0] > 0 && p[0] <= p[1] && p[1] <= p[2] && p[2] <= p[3], "\(p)")
        #expect(latency["count"] as? UInt64 == generated && j["latency_from"] as? String == "send")
        // With truth the trigger measures its efficiency; kept frames carry the same records.
        let t = try #require(j["trigger"] as? [String: Any])
        let above = try #require(t["truth_above_threshold"] as? UInt64), aboveKept = try #require(t["truth_above_threshold_kept"] as? UInt64)
        #expect(above > 0 && aboveKept <= above && t["truth_clusters"] as? UInt64 == generated)
        #expect(abs((j["efficiency"] as! Double) - Double(aboveKept) / Double(above)) < 1e-12)
        #expect(t["frames_forwarded"] as? UInt64 == kept && (j["rtf"] as! Double) > 0)
    }

    /// Paced to the clock, the chain cannot run ahead of it, and latency counts from the crossing.
    @Test func aRealTimeRunKeepsToTheClock() throws {
        let j = try report(["--crossings", "200000", "--realtime", "--no-truth"])
        let rtf = try #require(j["rtf"] as? Double)
        #expect(rtf > 0 && rtf <= 1.0001, "a paced run's real-time factor is at most 1, got \(rtf)")
        #expect((j["wall_s"] as! Double) >= 0.005, "200,000 crossings are 5 ms at 40 MHz")
        #expect(j["latency_from"] as? String == "crossing" && j["efficiency"] == nil && j["complete"] as? Bool == true)
    }

    @Test(arguments: [
        (["--confidence", "1.5"], "--confidence"), (["--threshold", "-1"], "--threshold"), (["--model", "/nonexistent/m.json"], "--model"),
        (["--threads", "0"], "--threads"),
    ])
    func badOptionsAreRefusedByName(arguments: [String], named: String) throws {
        let r = try Executables.run("smartpix", ["pipeline"] + arguments, timeout: 60)
        #expect(r.status == 64 && r.err.contains(named), "\(r.status): \(r.err)")
    }
}

/// The soak as a user runs it (short): windows, a verdict and its plot. Whether the verdict
/// passes depends on the machine; what it says must follow from the windows it reports.
@Suite struct SoakCommandTests {
    @Test func aShortSoakReportsWindowsAndAVerdictThatFollowsFromThem() throws {
        let plot = NSTemporaryDirectory() + "soak-\(getpid()).svg"
        defer { try? FileManager.default.removeItem(atPath: plot) }
        let r = try Executables.run(
            "smartpix", ["soak", "--mode", "physics", "--occupancy", "0.0005", "--duration", "3s", "--window", "500ms", "--json", "--plot", plot], timeout: 120)
        #expect(!r.killed && (r.status == 0 || r.status == 3), "\(r.status): \(r.err)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)")
        let verdict = try #require(j["verdict"] as? [String: Any]), report = try #require(j["report"] as? [String: Any])
        let windows = try #require(report["windows"] as? [[String: Any]])
        #expect(windows.count >= 5, "3 s in windows of 0.5 s")
        let maxLag = windows.map { $0["lag_us"] as! Double }.max()!
        #expect(abs((verdict["max_lag_us"] as! Double) - maxLag) < 1e-6)
        #expect(verdict["zero_loss"] as? Bool == true && report["lost"] as? UInt64 == 0)
        let passed =
            (verdict["max_lag_us"] as! Double) <= (verdict["lag_bound_us"] as! Double)
            && (verdict["memory_growth"] as! Double) <= (verdict["memory_growth_bound"] as! Double)
            && (verdict["latency_p99_us"] as! Double) <= (verdict["latency_goal_us"] as! Double)
        #expect(verdict["passed"] as? Bool == passed && (r.status == 0) == passed)
        let rtf = try #require(report["rtf"] as? Double)
        #expect(rtf <= 1.0001 && (report["wall_s"] as! Double) >= 3, "paced for 3 s")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 6, "rate, lag, three latency percentiles, memory")
    }

    /// The stages as their own programs, this one the consumer: every cluster accounted for
    /// through the stages' statistics, latency from each crossing's moment (the front end's
    /// run-start gives crossing 0 on the wall clock), every process's memory in each window.
    @Test func aSoakOverSeparateProcessesAccountsForEveryClusterAndEachProcess() throws {
        let r = try Executables.run(
            "smartpix",
            ["soak", "--processes", "--workers", "2", "--mode", "physics", "--occupancy", "0.0005", "--duration", "3s", "--window", "500ms", "--json"],
            timeout: 180)
        #expect(!r.killed && (r.status == 0 || r.status == 3), "\(r.status): \(r.err)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out) \(r.err)")
        let verdict = try #require(j["verdict"] as? [String: Any]), report = try #require(j["report"] as? [String: Any])
        let generated = try #require(report["generated"] as? UInt64)
        #expect(generated > 500, "about 0.0005 x 40 MHz x 3 s = 60,000 clusters at full speed; a debug build makes fewer")
        #expect(report["received"] as? UInt64 == generated && report["lost"] as? UInt64 == 0 && report["complete"] as? Bool == true, "\(report)")
        let workers = try #require(report["inference"] as? [[String: Any]])
        #expect(workers.count == 2 && workers.allSatisfy { ($0["events"] as? UInt64 ?? 0) > 0 }, "both workers took a share")
        #expect(workers.reduce(0) { $0 + ($1["events"] as? UInt64 ?? 0) } == generated)
        let latency = try #require(report["latency_us"] as? [String: Any])
        #expect(latency["count"] as? UInt64 == generated, "every decision timed from its crossing")
        #expect((latency["p50"] as! Double) > 0 && (latency["max"] as! Double) < (report["wall_s"] as! Double) * 1e6)
        let windows = try #require(report["windows"] as? [[String: Any]])
        let names: Set = ["readout-sim", "onpixel-infer 0", "onpixel-infer 1", "trigger-filter", "smartpix soak"]
        let second = try #require(windows.dropFirst().first?["resident_bytes_by_process"] as? [String: UInt64])
        #expect(Set(second.keys) == names && second.values.allSatisfy { $0 > 1_000_000 }, "\(second)")
        #expect(windows[1]["resident_bytes"] as? UInt64 == second.values.reduce(0, +))
        let growth = try #require(verdict["memory_growth_by_process"] as? [String: Double])
        #expect(Set(growth.keys) == names && verdict["memory_growth"] as? Double == growth.values.max())
    }

    @Test(arguments: [
        (["--duration", "0s"], "--duration"), (["--duration", "2s", "--window", "5s"], "--window"), (["--lag-bound", "soon"], "--lag-bound"),
        (["--memory-growth", "-1"], "--memory-growth"), (["--processes", "--workers", "0"], "--workers"),
    ])
    func badOptionsAreRefusedByName(arguments: [String], named: String) throws {
        let r = try Executables.run("smartpix", ["soak"] + arguments, timeout: 60)
        #expect(r.status == 64 && r.err.contains(named), "\(r.status): \(r.err)")
    }
}

@Suite struct EncodingFromTests {
    /// readout-sim emits the network's input code with a model's own constants, by name.
    @Test func readoutSimTakesAModelsInputCode() throws {
        let r = try Executables.run(
            "readout-sim",
            [
                "--mode", "physics", "--adc", "network", "--encoding-from", "type2-2slice", "--clusters", "10", "--endpoint", "tcp://127.0.0.1:*", "--pattern",
                "pub",
            ],
            timeout: 120)
        let model = try String(contentsOf: Executables.folder.appendingPathComponent("../../models/type2-2slice.json").standardizedFileURL, encoding: .utf8)
        struct File: Decodable {
            struct Encoding: Decodable { var mean: Double, std: Double }
            var input_encoding: Encoding
        }
        let e = try JSONDecoder().decode(File.self, from: Data(model.utf8)).input_encoding
        #expect(r.status == 0 && r.err.contains(String(format: "network input code: mean %.4f, std %.4f", e.mean, e.std)), "\(r.err)")
    }

    @Test(arguments: [
        (["--encoding-from", "type2-2slice"], "--adc network"), (["--adc", "network", "--encoding-from", "/nonexistent.json"], "--encoding-from"),
    ])
    func badUsesAreRefusedByName(arguments: [String], named: String) throws {
        let r = try Executables.run("readout-sim", arguments + ["--clusters", "1"], timeout: 60)
        #expect(r.status == 64 && r.err.contains(named), "\(r.status): \(r.err)")
    }
}
