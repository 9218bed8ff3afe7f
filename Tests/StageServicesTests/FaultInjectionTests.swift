import Foundation
import OnPixelInference
import Randomness
import ReadoutProtocol
import Testing
import TriggerFilter
import ZeroMQ

@testable import StageServices

/// Faults injected into the running chain: every fault is seen, counted and reported, and
/// the totals stay consistent downstream.
@Suite(.serialized) struct FaultInjectionTests {
    enum Victim: String, CaseIterable { case producer = "smartpix", inference = "onpixel-infer", trigger = "trigger-filter" }

    /// test-stream -> onpixel-infer --forward-frames -> trigger-filter -> this test's PULL;
    /// SIGTERM to one stage once decisions flow. Whatever stopped, the consumer gets an
    /// end-of-run whose totals match what it received, the signalled stage exits (0, or 3
    /// naming what it could not account for), and the stages below it end their runs.
    @Test(arguments: Victim.allCases)
    func sigtermToAStageLeavesConsistentTotalsDownstream(victim: Victim) throws {
        let ctx = try Context()
        var consumer = try StreamReceiver(context: ctx, endpoint: "bind:tcp://127.0.0.1:*", pattern: .push)
        let trigger = try StageProcess(
            "trigger-filter",
            ["--input", "bind:tcp://127.0.0.1:*", "--output", "connect:" + consumer.endpoint, "--policy", "point-cut", "--idle-timeout", "30s"])
        let inference = try StageProcess(
            "onpixel-infer",
            [
                "--input", "bind:tcp://127.0.0.1:*", "--output", "connect:" + (try trigger.endpoint(after: "predictions from ")), "--forward-frames",
                "--idle-timeout", "30s",
            ])
        let producer = try StageProcess(
            "smartpix",
            [
                "test-stream", "--endpoint", "connect:" + (try inference.endpoint(after: "frames from ")), "--messages", "1000000", "--batch", "20", "--bits",
                "4",
                "--signed", "--slices", "2",
            ])
        let stages: [Victim: StageProcess] = [.producer: producer, .inference: inference, .trigger: trigger]
        var signalled = false, eor: EndOfRun?
        while let m = try consumer.next(timeout: .seconds(60)) {
            if !signalled, consumer.stats.records >= 2000 {
                kill(stages[victim]!.process.processIdentifier, SIGTERM)
                signalled = true
            }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        #expect(signalled)
        let e = try #require(eor, "no end-of-run reached the consumer")
        #expect(e.records == consumer.stats.records && consumer.stats.missing == 0 && consumer.stats.malformed == 0, "\(e) against \(consumer.stats)")
        let v = stages[victim]!
        #expect(v.wait(timeout: 30), "\(victim) did not stop on SIGTERM")
        #expect(v.process.terminationReason == .exit && [0, 3].contains(v.process.terminationStatus), "\(v.output)")
        // The stages below the victim end by themselves (their upstream's end-of-run came).
        for below in Victim.allCases.drop(while: { $0 != victim }).dropFirst() {
            #expect(stages[below]!.wait(timeout: 30), "\(below) did not end after \(victim) stopped: \(stages[below]!.output)")
        }
        switch victim {
        case .producer:
            // Everything produced was decided: the chain below balances.
            #expect(inference.process.terminationStatus == 0 && trigger.process.terminationStatus == 0, "\(inference.output)\(trigger.output)")
            #expect(trigger.output.contains("complete: every prediction announced upstream was decided"))
        case .inference:
            // It cannot know what the producer still had: it says so (no upstream end-of-run).
            #expect(inference.process.terminationStatus == 3 && inference.output.contains("stopped at signal"), "\(inference.output)")
        case .trigger:
            #expect(trigger.output.contains("stopped at signal"), "\(trigger.output)")
        }
        for s in stages.values { s.wait(timeout: 5) }
    }

    /// Malformed and truncated messages injected into the inference and trigger hops are
    /// rejected and counted; the good messages around them are all processed, and the counts
    /// travel down in the end-of-run.
    @Test func malformedMessagesOnEachHopAreCountedAndTheStreamGoesOn() throws {
        let ctx = try Context()
        let name = UUID().uuidString
        var rng = SplitMix64(seed: 17)
        let model = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        var ic = InferenceService.Configuration(input: "bind:inproc://f-\(name)", output: "connect:inproc://p-\(name)", idleTimeout: .seconds(30))
        ic.forwardFrames = true
        var tc = TriggerService.Configuration()
        tc.input = "bind:inproc://p-\(name)"
        tc.output = "connect:inproc://d-\(name)"
        tc.idleTimeout = .seconds(30)
        var consumer = try StreamReceiver(context: ctx, endpoint: "bind:inproc://d-\(name)", pattern: .push)
        let triggerStats = SharedValue<TriggerStats?>(nil), inferenceStats = SharedValue<InferenceStats?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let config = (ic, tc)
        let trigger = WorkerThread(name: "trigger") {
            var s = try! TriggerService(context: ctx, configuration: config.1)
            ready.signal()
            triggerStats.value = try! s.run(stop: StopFlag())
        }
        ready.wait()
        let inference = WorkerThread(name: "inference") {
            var s = try! InferenceService(model: model, context: ctx, configuration: config.0)
            ready.signal()
            inferenceStats.value = try! s.run(stop: StopFlag())
        }
        ready.wait()
        // Raw sockets: what a broken or hostile peer sends.
        let frames = try Socket(ctx, .push)
        _ = try frames.attach("connect:inproc://f-\(name)", defaultBind: false)
        let predictions = try Socket(ctx, .push)
        _ = try predictions.attach("connect:inproc://p-\(name)", defaultBind: false)
        var sequence: UInt64 = 0
        func send(_ socket: borrowing Socket, _ payload: StreamMessage.Payload, firstBunchCrossing: UInt64 = 0, stream: UInt32 = 0) throws {
            _ = try socket.send(
                multipart: StreamMessage(runID: 5, streamID: stream, sequence: sequence, firstBunchCrossing: firstBunchCrossing, payload: payload).encode())
            sequence += 1
        }
        try send(frames, .runStart(RunStart(producer: "test")))
        var good = 0
        for m in 0..<10 {
            var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: CodeFormat(bits: 4, signed: true))
            for i in 0..<30 {
                b.append(bunchCrossing: UInt64(m * 30 + i), timestamp: 0, yLocal: 0, xLocal: 0, codes: (0..<546).map { Int16(($0 * 7 + i) % 16 - 8) })
            }
            let parts = StreamMessage(runID: 5, sequence: sequence, firstBunchCrossing: b.bunchCrossings[0], payload: .frames(b)).encode()
            sequence += 1
            _ = try frames.send(multipart: parts)
            good += b.count
            // After every good message, one broken one of a different kind.
            switch m % 3 {
            case 0: _ = try frames.send(multipart: [Array(parts[0].prefix(20))])  // truncated header
            case 1: _ = try frames.send(multipart: [parts[0], Array(parts[1].dropLast(5)), parts[2]])  // truncated record part
            default: _ = try frames.send(multipart: [[0x00, 0x01, 0x02]] + parts.dropFirst())  // not a header at all
            }
        }
        // Into the trigger hop directly: a predictions message with a bad part count, from a
        // stream of its own (its sequence numbers are not the inference worker's).
        _ = try predictions.send(multipart: [StreamMessage(runID: 5, streamID: 9, sequence: 0, payload: .heartbeat).encode()[0], [1, 2, 3]])
        try send(frames, .endOfRun(EndOfRun(messages: 10, records: UInt64(good), bunchCrossings: 300)), firstBunchCrossing: 300)
        var decided: UInt64 = 0, eor: EndOfRun?
        while let m = try consumer.next(timeout: .seconds(30)) {
            if case .decisions(let d) = m.payload { decided += UInt64(d.count) }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        inference.join()
        trigger.join()
        let i = try #require(inferenceStats.value), t = try #require(triggerStats.value), e = try #require(eor)
        #expect(i.events == UInt64(good) && i.malformedInputs == 10, "every good cluster inferred, the 10 broken frames messages counted")
        #expect(t.decisions == UInt64(good) && decided == UInt64(good) && t.malformedInputs == 1)
        #expect(e.malformedInputs == 11, "both hops' rejections travel down: \(e)")
        #expect(!t.imbalance.isEmpty && !i.imbalance.isEmpty, "neither hop calls a run with rejected input balanced")
    }

    /// A model file damaged on disk is refused at start, naming the file and what is wrong,
    /// by every command that takes a model.
    @Test(arguments: ["truncated", "weights"])
    func aCorruptModelFileIsRefusedAtStart(damage: String) throws {
        let good = try String(contentsOf: Executables.folder.appendingPathComponent("../../models/type2-2slice.json").standardizedFileURL, encoding: .utf8)
        let path = NSTemporaryDirectory() + "corrupt-\(damage)-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text =
            damage == "truncated"
            ? String(good.prefix(good.count / 2))
            : good.replacingOccurrences(of: #""dense_0_kernel""#, with: #""dense_0_kernel_renamed""#)
        #expect(text != good)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        for (command, arguments) in [
            ("onpixel-infer", ["--model", path, "--idle-timeout", "1s"]), ("smartpix", ["pipeline", "--model", path, "--crossings", "1000"]),
            ("smartpix", ["evaluate", "--model", path, "--events", "100"]),
        ] {
            let r = try Executables.run(command, arguments, timeout: 60)
            #expect(r.status == 64 && r.err.contains(path) && r.err.contains("--model"), "\(command): \(r.status) \(r.err)")
        }
    }

    /// test-stream fanned out over two onpixel-infer workers (it binds, they connect) ->
    /// trigger-filter -> this test's PULL; SIGKILL to worker 1 while decisions flow. The
    /// producer passes the dead worker over and ends (its end-of-run to that output reported
    /// undelivered), worker 0 ends complete, and the trigger ends after its straggler timeout
    /// naming worker 1's share missing: everything that did arrive is decided, and the missing
    /// end-of-run reaches the consumer as a missed message, so the run is not called complete.
    @Test func anInferenceWorkerDyingHasItsShareReportedMissing() throws {
        let ctx = try Context()
        var consumer = try StreamReceiver(context: ctx, endpoint: "bind:tcp://127.0.0.1:*", pattern: .push)
        let statsFile = NSTemporaryDirectory() + "trigger-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: statsFile) }
        let trigger = try StageProcess(
            "trigger-filter",
            [
                "--input", "bind:tcp://127.0.0.1:*", "--output", "connect:" + consumer.endpoint, "--policy", "point-cut", "--straggler-timeout", "2s",
                "--idle-timeout", "60s", "--stats-json", statsFile,
            ])
        let predictions = try trigger.endpoint(after: "predictions from ")
        let producer = try StageProcess(
            "smartpix",
            [
                "test-stream", "--endpoint", "bind:tcp://127.0.0.1:*", "--endpoint", "bind:tcp://127.0.0.1:*", "--messages", "400", "--batch", "10",
                "--bits", "4", "--signed", "--slices", "2",
            ])
        let outputs = try producer.endpoint(after: "push on ", until: ["\n"]).components(separatedBy: ", ")
        #expect(outputs.count == 2)
        let workers = try outputs.map { frames in
            try StageProcess(
                "onpixel-infer", ["--input", frames, "--output", "connect:" + predictions, "--min-event-time", "1ms", "--idle-timeout", "60s"])
        }
        var killed = false, eor: EndOfRun?
        while let m = try consumer.next(timeout: .seconds(60)) {
            if !killed, consumer.stats.records >= 500 {
                kill(workers[1].process.processIdentifier, SIGKILL)
                killed = true
            }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        #expect(killed)
        let e = try #require(eor, "no end-of-run reached the consumer")
        #expect(producer.wait(timeout: 60) && trigger.wait(timeout: 30) && workers[0].wait(timeout: 30))
        #expect(workers[0].process.terminationStatus == 0, "\(workers[0].output)")
        #expect(trigger.process.terminationStatus == 3 && trigger.output.contains("worker stream 1 fell silent"), "\(trigger.output)")
        // The producer's own account of each output.
        let lines = producer.outputLines
        #expect(lines.count == 2 && lines[0].endOfRunDelivered && !lines[1].endOfRunDelivered, "\(producer.output)")
        let sent0 = lines.first?.records ?? 0, sent1 = lines.last?.records ?? 0
        #expect(sent0 + sent1 == 4000)
        // The trigger decided worker 0's whole share and what came from worker 1 before it died.
        let t = try JSONDecoder().decode(TriggerStats.self, from: Data(contentsOf: URL(fileURLWithPath: statsFile)))
        let open = try #require(t.streamsWithoutEndOfRun.first)
        #expect(t.upstreamStreamsExpected == 2 && t.upstreamStreamsEnded == 1 && t.streamsWithoutEndOfRun.count == 1 && open.streamID == 1)
        #expect(t.decisions == sent0 + open.recordsReceived && open.recordsReceived <= sent1, "\(t.decisions) decided; sent \(sent0) + \(sent1)")
        #expect(consumer.stats.records == t.decisions && e.records == t.decisions && e.missedInputs >= 1, "\(e)")
    }
}
