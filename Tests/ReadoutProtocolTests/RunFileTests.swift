import Foundation
import Randomness
import Testing

@testable import ReadoutProtocol

@Suite struct RunFileTests {
    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("smartpix-\(UUID().uuidString)-\(name)").path
    }

    @Test func messagesComeBackByteForByte() throws {
        var rng = SplitMix64(seed: 40)
        let messages = sampleMessages(&rng).map { $0.encode() }
        let path = tempPath("run.spxr")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try RunFileWriter(path: path)
        for m in messages { try w.write(message: m) }
        try w.finish()
        let r = try RunFileReader(path: path)
        var read: [[[UInt8]]] = []
        while let m = try r.next() { read.append(m) }
        #expect(read == messages)
        #expect(try read.map { try StreamMessage.decode($0) }.count == messages.count)
    }

    @Test func truncatedAndCorruptFilesSayWhere() throws {
        var rng = SplitMix64(seed: 41)
        let path = tempPath("bad.spxr")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try RunFileWriter(path: path)
        for m in sampleMessages(&rng).prefix(2) { try w.write(message: m.encode()) }
        try w.finish()
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

        func failure(_ bytes: [UInt8]) throws -> String? {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let r = try RunFileReader(path: path)
                while try r.next() != nil {}
                return nil
            } catch {
                return error.description
            }
        }
        #expect(try failure(full) == nil)
        #expect(try failure(Array(full.dropLast(3)))?.contains("truncated") == true)
        #expect(try failure(Array(full.prefix(10)))?.contains("16-byte file header") == true)
        var badMagic = full
        badMagic[0] = 0
        #expect(try failure(badMagic)?.contains("wrong magic") == true)
        var badCount = full
        badCount[16] = 200
        #expect(try failure(badCount)?.contains("byte 16: part count 200") == true)
        #expect(throws: RunFileReader.Failure.self) { try RunFileReader(path: "/nonexistent/run.spxr") }
    }

    /// A run that never finished leaves PATH.partial, never a file under PATH that looks whole.
    @Test func anUnfinishedRunFileDoesNotTakeItsName() throws {
        var rng = SplitMix64(seed: 42)
        let path = tempPath("unfinished.spxr")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".partial")
        }
        do {
            let w = try RunFileWriter(path: path)
            for m in sampleMessages(&rng).prefix(2) { try w.write(message: m.encode()) }
            try w.flush()
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        let w = try RunFileWriter(path: path)
        try w.finish()
        #expect(FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(throws: RunFileIOError.self) { try w.write(message: [[1]]) }
    }
}

/// `RunFileReport` (inspect-run, replay's check): each defect of a run file is found and
/// named with its byte offset.
@Suite struct RunFileReportTests {
    func frames(_ sequence: UInt64, stream: UInt32 = 0) -> StreamMessage {
        var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: CodeFormat(bits: 2, signed: false))
        b.append(bunchCrossing: sequence, timestamp: 0, yLocal: 0, xLocal: 0, codes: [Int16](repeating: 1, count: 546))
        return StreamMessage(runID: 5, streamID: stream, sequence: sequence, firstBunchCrossing: sequence, payload: .frames(b))
    }

    func report(_ messages: [StreamMessage], garbageAt: Int? = nil) throws -> RunFileReport {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smartpix-report-\(UUID().uuidString).spxr").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try RunFileWriter(path: path)
        for (i, m) in messages.enumerated() {
            if i == garbageAt { try w.write(message: [Array("not a header".utf8)]) }
            try w.write(message: m.encode())
        }
        try w.finish()
        return try RunFileReport.check(path: path)
    }

    func run(_ sequences: [UInt64], records: UInt64) -> [StreamMessage] {
        [StreamMessage(runID: 5, sequence: 0, payload: .runStart(RunStart(producer: "t")))] + sequences.map { frames($0) } + [
            StreamMessage(runID: 5, sequence: (sequences.max() ?? 0) + 1, payload: .endOfRun(EndOfRun(messages: records, records: records)))
        ]
    }

    @Test func aCleanRunIsClean() throws {
        let r = try report(run([1, 2, 3], records: 3))
        #expect(r.isClean && r.messages == 5 && r.records == 3, "\(r.problems) \(r.malformed ?? "") \(r.messages)")
    }

    @Test func dropsDuplicatesReorderingsAndTotalsAreNamedWithTheirOffset() throws {
        let dropped = try report(run([1, 3], records: 3))
        #expect(dropped.problems.contains { $0.hasPrefix("byte ") && $0.contains("1 message(s) missing") }, "\(dropped.problems)")
        #expect(dropped.problems.contains { $0.contains("says 3 records sent") })
        let duplicated = try report(run([1, 2, 2, 3], records: 3))
        #expect(duplicated.problems.contains { $0.contains("sequence 2 is a duplicate") }, "\(duplicated.problems)")
        let reordered = try report(run([1, 3, 2], records: 3))
        #expect(reordered.problems.contains { $0.contains("(reordered)") }, "\(reordered.problems)")
        let noEnd = try report(Array(run([1, 2], records: 2).dropLast()))
        #expect(noEnd.problems.contains { $0.contains("no end-of-run") })
        let malformed = try report(run([1, 2], records: 2), garbageAt: 2)
        #expect(malformed.malformed?.contains("message at byte ") == true, "\(malformed.malformed ?? "")")
        #expect(!malformed.isClean)
    }
}
