import Foundation
import ReadoutProtocol
import ReadoutSim
import Testing
import ZeroMQ

@testable import StageServices

/// The streaming front end in-process: completeness against the end-of-run, crossing order,
/// clock, record and replay, stop. A small library grid keeps the debug build quick.
@Suite struct FrontEndServiceTests {
    static func source(mode: FrameSourceSettings.Mode = .library, truth: Bool = false) throws -> FrameSource {
        var s = FrameSourceSettings()
        s.mode = mode
        s.occupancy = 0.2
        s.includeTruth = truth
        s.libraryGrid.cotAlphaMax = 1
        s.libraryGrid.cotAlphaStep = 0.5
        s.libraryGrid.cotBetaMax = 0.4
        s.libraryGrid.cotBetaStep = 0.2
        s.libraryGrid.variants = 1
        return try FrameSource(s)
    }

    /// Receives one run on `receiver`, returning the records and the raw bytes of every message.
    static func consume(_ receiver: inout StreamReceiver) throws -> (records: [UInt64], messages: Int) {
        var bx: [UInt64] = [], messages = 0
        while let m = try receiver.next(timeout: .seconds(60)) {
            messages += 1
            if case .frames(let b) = m.payload { bx += b.bunchCrossings }
            if case .endOfRun = m.payload { break }
        }
        return (bx, messages)
    }

    @Test(arguments: ["tcp://127.0.0.1:*", "ipc:///tmp/smartpix-frontend-\(getpid()).ipc"])
    func boundedRunIsReceivedCompletely(endpoint: String) throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: endpoint, pattern: .push, bind: true)
        let bound = receiver.endpoint
        let source = try Self.source(truth: true)
        let stats = SharedValue(FrontEndStats())
        let producer = WorkerThread(name: "front end") {
            var c = FrontEndService.Configuration()
            c.endpoint = "connect:" + bound
            c.maxCrossings = 50_000
            c.batch = 100
            c.threads = 2
            var service = try! FrontEndService(source: source, context: ctx, configuration: c)
            stats.value = try! service.run(stop: StopFlag())
        }
        let (records, _) = try Self.consume(&receiver)
        producer.join()
        let account = try #require(receiver.accounts.values.first)
        let eor = try #require(account.endOfRun)
        // 50,000 crossings at 0.2 clusters each: 10,000 +- 100 expected; all arrive.
        #expect(eor.bunchCrossings == 50_000)
        #expect(eor.records == UInt64(records.count) && account.lostRecords == 0 && account.tracker.missing == 0)
        #expect(records.count > 9_500 && records.count < 10_500, "\(records.count)")
        #expect(zip(records, records.dropFirst()).allSatisfy { $0 <= $1 } && records.last! < 50_000)
        #expect(stats.value.clusters == UInt64(records.count) && stats.value.endOfRunDelivered && stats.value.stopReason == "crossings")
    }

    @Test func clusterLimitAndClockAndTruth() throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: "inproc://frontend-limit", pattern: .push, bind: true)
        let source = try Self.source(mode: .physics, truth: true)
        let producer = WorkerThread(name: "front end") {
            var c = FrontEndService.Configuration()
            c.endpoint = "connect:inproc://frontend-limit"
            c.maxClusters = 300
            c.batch = 64
            var service = try! FrontEndService(source: source, context: ctx, configuration: c)
            _ = try! service.run(stop: StopFlag())
        }
        var frames: [FrameBatch] = [], eor: EndOfRun?
        while let m = try receiver.next(timeout: .seconds(60)) {
            if case .frames(let b) = m.payload { frames.append(b) }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        producer.join()
        let records = frames.reduce(0) { $0 + $1.count }
        #expect(records == 300 && eor?.records == 300)
        // Bunch crossings covered end at the last cluster's crossing.
        #expect(eor?.bunchCrossings == frames.last!.bunchCrossings.last! + 1)
        for b in frames {
            #expect(b.shape == FrameShape(rows: 13, columns: 21, slices: 2) && b.codeFormat == CodeFormat(bits: 2, signed: false))
            // 40 MHz: crossing n at 25 n ns.
            #expect(
                zip(b.bunchCrossings, b.timestamps).allSatisfy { $1 == 25 * $0 },
                "\(Array(b.bunchCrossings.prefix(5))) \(Array(b.timestamps.prefix(5))) count \(b.count)")
            #expect(b.hasTruth && (0..<b.count).allSatisfy { b.truth(ofRecord: $0, .zEntry) == 100 })
            // Every record has a hit pixel: the clusters pass the 400 e threshold.
            #expect((0..<b.count).allSatisfy { b.codes(ofRecord: $0).contains { $0 > 0 } })
        }
    }

    /// Record, then replay the file: the replayed messages are the recorded bytes.
    @Test func recordThenReplayGivesIdenticalBytes() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let file = dir + "/smartpix-frontend-\(getpid()).spxr"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let ctx = try Context()
        let source = try Self.source()
        do {
            var receiver = try StreamReceiver(context: ctx, endpoint: "inproc://frontend-record", pattern: .push, bind: true)
            let producer = WorkerThread(name: "front end") {
                var c = FrontEndService.Configuration()
                c.endpoint = "connect:inproc://frontend-record"
                c.maxCrossings = 20_000
                var service = try! FrontEndService(source: source, context: ctx, configuration: c, record: file)
                _ = try! service.run(stop: StopFlag())
            }
            _ = try Self.consume(&receiver)
            producer.join()
        }
        let pull = try Socket(ctx, .pull)
        _ = try pull.bind("inproc://frontend-replay")
        let replayer = WorkerThread(name: "replay") {
            var c = FrontEndService.Configuration()
            c.endpoint = "connect:inproc://frontend-replay"
            _ = try! FrontEndService.replay(file, context: ctx, configuration: c, rate: nil, stop: StopFlag())
        }
        let reader = try RunFileReader(path: file)
        var compared = 0
        while let recorded = try reader.next() {
            let replayed = try #require(try pull.receiveMultipart())
            #expect(replayed == recorded)
            compared += 1
        }
        replayer.join()
        #expect(compared > 3)
    }

    /// A stop mid-run still ends with an end-of-run whose totals match what was sent.
    @Test func stopMidRunDeliversConsistentTotals() throws {
        let ctx = try Context()
        var receiver = try StreamReceiver(context: ctx, endpoint: "inproc://frontend-stop", pattern: .push, bind: true)
        let source = try Self.source()
        let stop = StopFlag()
        let producer = WorkerThread(name: "front end") {
            var c = FrontEndService.Configuration()
            c.endpoint = "connect:inproc://frontend-stop"
            var service = try! FrontEndService(source: source, context: ctx, configuration: c)
            _ = try! service.run(stop: stop)
        }
        var records = 0, eor: EndOfRun?
        while let m = try receiver.next(timeout: .seconds(60)) {
            if case .frames(let b) = m.payload {
                records += b.count
                if records > 2000 { stop.stop() }
            }
            if case .endOfRun(let e) = m.payload {
                eor = e
                break
            }
        }
        producer.join()
        #expect(eor?.records == UInt64(records) && records > 2000)
        #expect((eor?.bunchCrossings ?? 0) > 0)
    }
}
