import Foundation
import ReadoutProtocol
import Testing
import ZeroMQ

@testable import StageServices

/// The executables as a hostile but fair user drives them: stops that must come, losses that
/// must be said, files that must not be half written, input that must be refused by name.
@Suite struct HardeningCommandTests {
    static func temporary(_ name: String) -> String { NSTemporaryDirectory() + "smartpix-hardening-\(getpid())-\(name)" }

    static func randomModel() throws -> String {
        let path = temporary("model-\(UUID().uuidString).json")
        let r = try Executables.run("smartpix", ["make-model", "--out", path])
        #expect(r.status == 0, "\(r.err)")
        return path
    }

    /// Nobody at either end: SIGTERM still ends onpixel-infer within its linger, and its
    /// statistics are written (it used to wait in the blocked end-of-run send forever).
    @Test func onpixelInferStopsOnSigtermWithNoPeers() throws {
        let model = try Self.randomModel()
        let stats = Self.temporary("infer-stats.json")
        defer {
            try? FileManager.default.removeItem(atPath: model)
            try? FileManager.default.removeItem(atPath: stats)
        }
        let r = try Executables.run(
            "onpixel-infer",
            ["--model", model, "--input", "tcp://127.0.0.1:27555", "--output", "tcp://127.0.0.1:*", "--idle-timeout", "60s", "--stats-json", stats],
            timeout: 15
        ) { p in
            usleep(3_000_000)
            p.terminate()
        }
        #expect(!r.killed && r.seconds < 12, "took \(r.seconds) s: \(r.err)")
        #expect(FileManager.default.fileExists(atPath: stats))
        // No upstream end-of-run: the run does not balance, and it says so.
        #expect(r.status == 3 && r.out.contains("INCOMPLETE (signal)"), "\(r.out)")
    }

    /// The idle timeout also ends a stage whose output nobody takes.
    @Test func onpixelInferIdleTimeoutEndsItWithNoPeers() throws {
        let model = try Self.randomModel()
        defer { try? FileManager.default.removeItem(atPath: model) }
        let r = try Executables.run(
            "onpixel-infer", ["--model", model, "--input", "tcp://127.0.0.1:27557", "--output", "tcp://127.0.0.1:*", "--idle-timeout", "2s"], timeout: 20)
        #expect(!r.killed && r.seconds < 12, "took \(r.seconds) s")
        #expect(r.out.contains("idle timeout"), "\(r.out)")
    }

    /// --duration bounds wall time even when nobody takes the frames, and the reported wall
    /// time is the real one.
    @Test func readoutSimDurationBoundsWallTimeWithoutConsumer() throws {
        let stats = Self.temporary("sim-stats.json")
        defer { try? FileManager.default.removeItem(atPath: stats) }
        let r = try Executables.run(
            "readout-sim", ["--mode", "physics", "--duration", "2s", "--endpoint", "tcp://127.0.0.1:*", "--stats-json", stats], timeout: 30)
        #expect(!r.killed && r.seconds < 10, "took \(r.seconds) s")
        #expect(r.status == 0, "\(r.err)")
        struct Stats: Decodable { var wall_s: Double, stop_reason: String, end_of_run_delivered: Bool }
        let s = try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(fileURLWithPath: stats)))
        #expect(s.wall_s >= 2 && s.wall_s < r.seconds && s.stop_reason == "duration" && !s.end_of_run_delivered, "\(s)")
    }

    /// The main job stops cleanly on SIGTERM: what the front end made is still inferred, and
    /// the totals are printed.
    @Test func pipelineStopsCleanlyOnSigterm() throws {
        let r = try Executables.run("smartpix", ["pipeline", "--mode", "physics", "--crossings", "4000000000"], timeout: 120) { p in
            usleep(4_000_000)
            p.terminate()
        }
        #expect(!r.killed && r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("stopped by a signal") && r.out.contains("pipeline: complete"), "\(r.out)")
    }

    @Test(arguments: ["nan", "inf", "0", "-1"])
    func readStreamRefusesAnIdleTimeoutThatIsNotPositive(value: String) throws {
        let r = try Executables.run("smartpix", ["read-stream", "--idle-timeout", value], timeout: 30)
        #expect(r.status == 64 && r.err.contains("--idle-timeout"), "\(r.status): \(r.err)")
    }

    /// Completeness is end to end: the front end's totals say a hop above lost a message, so
    /// read-stream does not say "complete" although it received everything that was sent.
    @Test func readStreamSeesLossesUpstream() throws {
        let ctx = try Context()
        let (producer, endpoint) = startProducer { ready in
            var sender = try! StreamSender(context: ctx, endpoint: "tcp://127.0.0.1:*", pattern: .push, runID: 3)
            ready(sender.endpoint)
            try! sender.sendRunStart(RunStart(producer: "test"))
            try! sender.send(frames: testFrames(first: 0, count: 4), bunchCrossings: 4)
            sender.noteInput(missed: 1)
            _ = try! sender.sendEndOfRun(bunchCrossing: 4)
        }
        let r = try Executables.run("smartpix", ["read-stream", "--endpoint", endpoint, "--idle-timeout", "20"], timeout: 60)
        producer.join()
        #expect(r.status == 3 && r.out.contains("INCOMPLETE") && r.out.contains("1 messages missed upstream"), "\(r.out)")
    }

    /// Outputs are checked before any work: exit 64 naming the flag, no raw Foundation text.
    @Test(arguments: [
        ("onpixel-infer", ["--model", "/nonexistent/m.json", "--stats-json", "/nonexistent/s.json"], "--stats-json"),
        ("readout-sim", ["--stats-json", "/nonexistent/s.json", "--bunch-crossings", "1"], "--stats-json"),
        ("readout-sim", ["--record", "/nonexistent/r.spxr", "--bunch-crossings", "1"], "--record"),
        ("smartpix", ["make-model", "--out", "/nonexistent/dir/m.json"], "--out"),
        ("smartpix", ["export-dataset", "--events", "1", "--out", "/nonexistent/dir/data"], "--out"),
        ("smartpix", ["simulate", "--reference", "/missing", "--potential", "pixelav", "--count", "1", "--out", "/tmp/x"], "--reference"),
    ])
    func unwritableOutputsAreRefusedBeforeWork(program: String, arguments: [String], flag: String) throws {
        let r = try Executables.run(program, arguments, timeout: 60)
        #expect(r.status == 64 && r.err.contains(flag), "\(r.status): \(r.err)")
        #expect(!r.err.contains("NSCocoaErrorDomain") && !r.err.contains("Error Domain"), "\(r.err)")
    }

    /// A run recorded, checked and replayed: a clean file passes inspect-run, a damaged one
    /// fails it by offset, and replay refuses it before sending anything, naming file and
    /// offset. --replay with --record writes the replayed run.
    @Test func runFilesAreCheckedAndReplayCanRecord() throws {
        let run = Self.temporary("run.spxr"), again = Self.temporary("again.spxr"), bad = Self.temporary("bad.spxr")
        defer { for p in [run, again, bad] { try? FileManager.default.removeItem(atPath: p) } }
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: "tcp://127.0.0.1:*", pattern: .push, bind: true)
        let recorded = try Executables.run(
            "readout-sim", ["--mode", "physics", "--bunch-crossings", "2000", "--endpoint", "connect:" + receiver.endpoint, "--record", run], timeout: 120)
        _ = try receiver.consumeRun(idleTimeout: .seconds(5))
        #expect(recorded.status == 0, "\(recorded.err)")
        let inspect = try Executables.run("smartpix", ["inspect-run", run])
        #expect(inspect.status == 0 && inspect.out.contains("clean"), "\(inspect.out)")

        var receiver2 = try StreamReceiver(context: ctx, endpoint: "tcp://127.0.0.1:*", pattern: .push, bind: true)
        let replayed = try Executables.run("readout-sim", ["--replay", run, "--record", again, "--endpoint", "connect:" + receiver2.endpoint], timeout: 60)
        let summary = try receiver2.consumeRun(idleTimeout: .seconds(5))
        #expect(replayed.status == 0 && summary.complete, "\(replayed.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: run)))

        // Damage the second message's kind (header byte 6): malformed at that message's offset.
        let reader = try RunFileReader(path: run)
        _ = try reader.next()
        let secondAt = reader.offset
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: run)))
        bytes[secondAt + 4 + 4 + 6] = 0x7F  // part count, first part's length, then the header
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let damaged = try Executables.run("smartpix", ["inspect-run", bad])
        #expect(damaged.status == 3 && damaged.out.contains("message at byte \(secondAt)"), "\(damaged.out)")
        let refused = try Executables.run("readout-sim", ["--replay", bad, "--endpoint", "tcp://127.0.0.1:*"], timeout: 30)
        #expect(refused.status == 64 && refused.err.contains(bad) && refused.err.contains("byte \(secondAt)"), "\(refused.err)")
    }

    /// The test suite's own socket files go when their sockets close (libzmq 4.3 leaves them).
    @Test func readoutSimRemovesItsIPCFile() throws {
        let path = Self.temporary("sim.ipc")
        let r = try Executables.run(
            "readout-sim", ["--mode", "physics", "--bunch-crossings", "10", "--endpoint", "ipc://" + path, "--pattern", "pub"], timeout: 60)
        #expect(r.status == 0, "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aTCPPortOutOfRangeIsRefused() throws {
        let r = try Executables.run("readout-sim", ["--endpoint", "tcp://127.0.0.1:99999", "--bunch-crossings", "1"], timeout: 30)
        #expect(r.status == 64 && r.err.contains("--endpoint") && r.err.contains("1-65535"), "\(r.err)")
    }
}

/// trigger-filter as a user runs it: bad thresholds, confidence levels and policies refused
/// naming the option; a stop with no peers still comes, and says the run did not balance.
@Suite struct TriggerFilterCommandTests {
    @Test(arguments: [
        (["--threshold", "0"], "--threshold"), (["--threshold", "nan"], "--threshold"), (["--confidence", "1"], "--confidence"),
        (["--confidence", "0"], "--confidence"), (["--policy", "magic"], "--policy"), (["--sigma-limit", "-1"], "--sigma-limit"),
        (["--workers", "0"], "--workers"),
    ])
    func badOptionsAreRefusedByName(arguments: [String], flag: String) throws {
        let r = try Executables.run("trigger-filter", arguments, timeout: 30)
        #expect(r.status == 64 && r.err.contains(flag), "\(r.err)")
    }

    @Test func sigtermWithNoPeersEndsTheRun() throws {
        let r = try Executables.run("trigger-filter", ["--input", "tcp://127.0.0.1:27559", "--output", "tcp://127.0.0.1:*"], timeout: 20) { p in
            usleep(1_500_000)
            p.terminate()
        }
        #expect(!r.killed && r.status == 3 && r.out.contains("INCOMPLETE (signal)"), "\(r.out)\(r.err)")
    }
}
