import Foundation
import Testing

@testable import CommandLineSupport

@Suite struct OutputPathTests {
    /// Scratch folders are new, private (0700) and unpredictable: a folder or symlink planted
    /// under a guessed name is never used.
    @Test func privateTemporaryFoldersAreNewAndPrivate() throws {
        let a = try PrivateTemporaryFolder(prefix: "smartpix-export"), b = try PrivateTemporaryFolder(prefix: "smartpix-export")
        defer {
            a.remove()
            b.remove()
        }
        #expect(a.url != b.url)
        let mode = try FileManager.default.attributesOfItem(atPath: a.url.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try FileManager.default.destinationOfSymbolicLinkOrNil(atPath: a.url.path) == nil)
    }

    @Test func unwritableOutputsAreNamedBeforeWork() throws {
        #expect(throws: (any Error).self) { try OutputPath.check("/nonexistent/x.json", flag: "--stats-json") }
        do { try OutputPath.check("/nonexistent/x.json", flag: "--stats-json") } catch {
            #expect("\(error)".contains("--stats-json") && "\(error)".contains("does not exist"))
        }
        #expect(throws: (any Error).self) { try OutputPath.check(NSTemporaryDirectory(), flag: "--out") }
        try OutputPath.check(nil, flag: "--out")
    }

    /// Written whole: the file appears under its name only complete, and nothing is left beside it.
    @Test func filesAreWrittenWholeWithNothingLeftBeside() throws {
        let folder = try PrivateTemporaryFolder(prefix: "smartpix-output")
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("s.json").path
        try OutputPath.writeJSON(["a": 1], to: path, flag: "--stats-json")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["s.json"])
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).contains("\"a\" : 1"))
    }
}

extension FileManager {
    func destinationOfSymbolicLinkOrNil(atPath path: String) throws -> String? {
        (try? attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink ? try destinationOfSymbolicLink(atPath: path) : nil
    }
}
