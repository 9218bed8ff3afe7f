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
