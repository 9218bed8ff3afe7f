import Foundation
import Testing

@testable import ReferenceData

@Suite struct NumPyTests {
    /// A .npy file built by hand from the format's definition.
    func npy(descr: String, shape: String, payload: [UInt8]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: payload)
        return d
    }

    @Test func readsLittleEndianArrays() throws {
        let a = try NumPyArray(
            npy: npy(descr: "<i4", shape: "(2, 3)", payload: [1, 0, 0, 0, 255, 255, 255, 255, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 1, 0, 0]))
        #expect(a.shape == [2, 3])
        #expect(try a.int32() == [1, -1, 2, 3, 4, 256])
        #expect(throws: NumPyArray.Invalid.self) { try a.float64() }
    }

    @Test func refusesWhatItCannotRead() {
        #expect(throws: NumPyArray.Invalid.self) { try NumPyArray(npy: Data([1, 2, 3])) }
        #expect(throws: NumPyArray.Invalid.self) { try NumPyArray(npy: npy(descr: "<i4", shape: "(2, 3)", payload: [1, 2, 3])) }
        #expect(throws: NumPyArray.Invalid.self) { try NumPyArray(npy: npy(descr: "<c16", shape: "(1,)", payload: Array(repeating: 0, count: 16))) }
    }

    static let reference = SharedReference.directory(
        packageRoot: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path)

    @Test(.enabled(if: reference != nil, "needs ../shared/reference"))
    func readsThePixelAVClusters() throws {
        let arrays = try NumPyArchive.load(path: Self.reference! + "/pixelav-grid-clusters.npz")
        let charge = try #require(arrays["charge"])
        #expect(charge.shape == [450, 20, 13, 21] && charge.descr == "<i4")
        let labels = try #require(arrays["labels"])
        #expect(labels.shape == [450, 13])
        let names = try #require(arrays["label_cols"]).strings()
        #expect(names.first == "x-entry" && names.contains("cotBeta") && names.count == 13)
        // Total charge of the last slice is positive and of PixelAV's order (several ke).
        let q = try charge.int32()
        let total = (0..<273).reduce(0) { $0 + Int(q[19 * 273 + $1]) }
        #expect(total > 2000 && total < 100_000)
    }
}
