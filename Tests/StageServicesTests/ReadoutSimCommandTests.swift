import Foundation
import ReadoutProtocol
import ReferenceData
import Testing
import ZeroMQ

@testable import StageServices

/// The readout-sim executable: flags checked with messages that name them, and a clean stop
/// on SIGTERM. Needs the executables built (`swift build --build-tests`, as scripts/test.sh does).
@Suite struct ReadoutSimCommandTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/readout-sim").path

    static func launch(_ arguments: [String], program: String = binary) throws -> (Process, Pipe, Pipe) {
        #expect(FileManager.default.isExecutableFile(atPath: program), "build the executables first: \(program)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let (p, _, err) = try launch(arguments)
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [
        (["--rate", "40XHz"], "--rate"), (["--rate", "-1MHz"], "--rate"), (["--slices", "21"], "--slices"), (["--slices", "3,2"], "--slices"),
        (["--geometry", "type9"], "--geometry"), (["--endpoint", "udp://127.0.0.1:5"], "--endpoint"), (["--occupancy", "-1"], "--occupancy"),
        (["--flash-thresholds", "400,300,2400"], "threshold"), (["--duration", "10"], "--duration"), (["--batch", "0"], "--batch"),
        (["--temperature", "0"], "--temperature"), (["--trapping-time", "0"], "--trapping-time"), (["--depletion-voltage", "200"], "--depletion-voltage"),
        (["--magnetic-field", "nan"], "--magnetic-field"), (["--implant-depth", "-1"], "--implant-depth"), (["--implant-depth", "30"], "--implant-depth"),
    ])
    func badFlagsExitNonZeroNamingTheFlag(arguments: [String], flag: String) throws {
        let r = try Self.run(arguments + ["--bunch-crossings", "1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains(flag), "stderr: \(r.stderr)")
    }

    @Test func anEndpointThatCannotBindIsReported() throws {
        let ctx = try Context()
        let holder = try Socket(ctx, .pull)
        let taken = try holder.bind("tcp://127.0.0.1:*")
        let r = try Self.run(["--mode", "physics", "--endpoint", taken, "--bunch-crossings", "10"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--endpoint") && r.stderr.contains("Address already in use"), "stderr: \(r.stderr)")
    }

    /// SIGTERM mid-run: the end-of-run still comes, its totals match what arrived, exit 0.
    @Test func sigtermEndsTheRunCleanly() throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: "tcp://127.0.0.1:*", pattern: .push, bind: true)
        let (p, out, _) = try Self.launch(["--mode", "physics", "--endpoint", "connect:" + receiver.endpoint, "--batch", "16"])
        var records = 0, eor: EndOfRun?, signalled = false
        while let m = try receiver.next(timeout: .seconds(60)) {
            if case .frames(let b) = m.payload {
                records += b.count
                if !signalled && records >= 64 {
                    p.terminate()  // SIGTERM
                    signalled = true
                }
            }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        // Never hang the suite: a producer still running 30 s after its end-of-run is killed.
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        let summary = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(signalled && p.terminationReason == .exit && p.terminationStatus == 0)
        #expect(eor?.records == UInt64(records))
        #expect(summary.contains("end-of-run delivered (signal)"), "summary: \(summary)")
    }

    /// `smartpix simulate` takes negative angles as plain arguments and writes the arrays;
    /// a map that does not fit the geometry is refused, naming the option.
    @Test func simulateWritesArraysAndRefusesAMismatchedMap() throws {
        let smartpix = URL(fileURLWithPath: Self.binary).deletingLastPathComponent().appendingPathComponent("smartpix").path
        let prefix = NSTemporaryDirectory() + "smartpix-simulate-\(getpid())"
        let (p, out, err) = try Self.launch(["simulate", "--cot-alpha", "-1", "--cot-beta", "-0.25", "--count", "3", "--out", prefix], program: smartpix)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)\(errors)")
        for suffix in ["-charge.npy", "-labels.npy"] {
            #expect(FileManager.default.fileExists(atPath: prefix + suffix))
            try? FileManager.default.removeItem(atPath: prefix + suffix)
        }
        let (q, _, qerr) = try Self.launch(["simulate", "--geometry", "type1", "--potential", "pixelav", "--count", "1", "--out", prefix], program: smartpix)
        let refusal = String(decoding: qerr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        q.waitUntilExit()
        // Without the reference data the option is named; with it, the map's mismatch is.
        #expect(q.terminationStatus != 0)
        #expect(refusal.contains("--potential pixelav") || refusal.contains("type1"), "\(refusal)")
        #expect(!FileManager.default.fileExists(atPath: prefix + "-charge.npy"))
    }

    /// `validate-physics --plot` draws its comparison from a conditions file that carries
    /// reference values (the layout of pixelav-grid.json), and refuses when none does.
    @Test func validatePhysicsDrawsItsComparison() throws {
        let smartpix = URL(fileURLWithPath: Self.binary).deletingLastPathComponent().appendingPathComponent("smartpix").path
        let dir = NSTemporaryDirectory() + "smartpix-plot-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fractions = (0..<20).map { k in String(min(1, 0.21 * Double(k + 1))) }.joined(separator: ",")
        let withReference = """
            [{"cot_alpha": 0, "cot_beta": 0, "count": 100, "n": 50, "charge_median": 7671, "charge_mpv": 6125,
              "charge_fraction": [\(fractions)], "x_size": 1.06, "y_size": 3.24, "y_shift_um": -14.6, "x_shift_um": 2.5,
              "min_neighbour": -236}]
            """
        try withReference.write(toFile: dir + "/with.json", atomically: false, encoding: .utf8)
        try #"[{"cot_alpha": 1, "cot_beta": 0, "count": 10}]"#.write(toFile: dir + "/without.json", atomically: false, encoding: .utf8)
        let (p, out, err) = try Self.launch(["validate-physics", "--conditions", dir + "/with.json", "--plot", dir + "/v.svg"], program: smartpix)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)\(errors)")
        let svg = (try? String(contentsOfFile: dir + "/v.svg", encoding: .utf8)) ?? ""
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg") && svg.contains("cotAlpha 0.00, cotBeta 0.00"))
        let (q, _, qerr) = try Self.launch(["validate-physics", "--conditions", dir + "/without.json", "--plot", dir + "/w.svg"], program: smartpix)
        let refusal = String(decoding: qerr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        q.waitUntilExit()
        #expect(q.terminationStatus != 0 && refusal.contains("--plot"), "\(refusal)")
    }

    /// `validate-physics --paired` compares PixelAV's own clusters, each on its own track, when
    /// the reference data is there, and refuses the options that do not apply to it.
    @Test func validatePhysicsPairedComparison() throws {
        let smartpix = URL(fileURLWithPath: Self.binary).deletingLastPathComponent().appendingPathComponent("smartpix").path
        let refusals: [([String], String)] = [
            (["--paired", "--conditions", "c.json"], "--conditions"), (["--paired", "--count", "10"], "--count"),
            (["--repeats", "5"], "--paired"), (["--paired", "--repeats", "1"], "--repeats"),
            (["--field", "pixelav", "--implant-depth", "1"], "--implant-depth"), (["--implant-depth", "-1"], "--implant-depth"),
        ]
        for (arguments, named) in refusals {
            let (p, _, err) = try Self.launch(["validate-physics"] + arguments, program: smartpix)
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus != 0 && message.contains(named), "\(arguments): \(message)")
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard SharedReference.directory(packageRoot: packageRoot) != nil else { return }
        let figure = NSTemporaryDirectory() + "smartpix-paired-\(getpid()).svg"
        defer { try? FileManager.default.removeItem(atPath: figure) }
        let (p, out, err) = try Self.launch(["validate-physics", "--paired", "--repeats", "3", "--json", "--plot", figure], program: smartpix)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(errors)")
        struct Report: Decodable {
            struct Condition: Decodable {
                struct Statistic: Decodable { var name: String, pixelav: Double, simulated: Double, pit: Double }
                var cot_alpha: Double, cot_beta: Double, n: Int, skipped: Int, empty_repeats: Int, statistics: [Statistic]
            }
            var repeats: Int, conditions: [Condition]
        }
        let report = try JSONDecoder().decode(Report.self, from: data)
        #expect(report.repeats == 3 && report.conditions.count == 9)
        for c in report.conditions {
            #expect(c.n == 50 && c.skipped == 0 && c.empty_repeats == 0)
            #expect(c.statistics.contains { $0.name == "min_neighbour" && $0.pixelav < 0 && (0...1).contains($0.pit) })
        }
        let svg = (try? String(contentsOfFile: figure, encoding: .utf8)) ?? ""
        #expect(svg.hasPrefix("<?xml") && svg.contains("min_neighbour") && svg.contains("1.00, -0.25"))
    }

    /// No consumer at all: PUSH cannot deliver, yet SIGINT still ends the run promptly (the
    /// blocked sends give up after a bounded patience), exit 0, saying the end-of-run did not
    /// get out.
    @Test func sigintWithoutConsumerStillExits() throws {
        let (p, out, _) = try Self.launch(["--mode", "physics", "--endpoint", "tcp://127.0.0.1:*"])
        usleep(500_000)
        kill(p.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(15)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        let stillRunning = p.isRunning
        if stillRunning { kill(p.processIdentifier, SIGKILL) }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(!stillRunning && p.terminationStatus == 0)
        #expect(text.contains("end-of-run NOT delivered (signal)"), "\(text)")
    }
}
