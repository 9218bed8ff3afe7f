import Foundation
import Randomness
import Testing

@testable import OnPixelInference

@Suite struct ModelFileTests {
    func sample() -> QuantizedModel {
        var rng = SplitMix64(seed: 11)
        return QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
    }

    /// The JSON document as a mutable dictionary, to break it in one place.
    func json(_ m: QuantizedModel) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try ModelFile.encode(m)) as! [String: Any]
    }

    func error(_ object: [String: Any]) -> String? {
        do {
            _ = try ModelFile.decode(try JSONSerialization.data(withJSONObject: object))
            return nil
        } catch {
            return (error as? ModelError)?.description ?? "\(error)"
        }
    }

    @Test func roundTripsExactly() throws {
        for slices in [2, 20] {
            var rng = SplitMix64(seed: UInt64(slices))
            let m = QuantizedModel.random(.smartPixels(slices: slices, filters: slices == 20 ? 8 : 5), using: &rng)
            #expect(try ModelFile.decode(try ModelFile.encode(m)) == m)
        }
    }

    @Test func truncatedFileIsRefused() throws {
        let data = try ModelFile.encode(sample())
        #expect(throws: ModelError.self) { try ModelFile.decode(data.prefix(data.count / 2)) }
        #expect(throws: ModelError.self) { try ModelFile.decode(Data()) }
    }

    @Test func wrongShapeIsNamed() throws {
        var o = try json(sample())
        var tensors = o["tensors"] as! [String: Any]
        var t = tensors["dense_0_kernel"] as! [String: Any]
        t["shape"] = [80, 16]
        tensors["dense_0_kernel"] = t
        o["tensors"] = tensors
        #expect(error(o) == "tensors.dense_0_kernel: shape [80, 16], the architecture needs [90, 16]")
    }

    @Test func codeCountDisagreeingWithShapeIsNamed() throws {
        var o = try json(sample())
        var tensors = o["tensors"] as! [String: Any]
        var t = tensors["conv_bias"] as! [String: Any]
        t["codes"] = [1, 2, 3]
        tensors["conv_bias"] = t
        o["tensors"] = tensors
        #expect(error(o) == "conv bias: 3 values, the architecture needs 5")
    }

    @Test func bitWidthOutsideRangeIsNamed() throws {
        var o = try json(sample())
        var types = o["types"] as! [String: Any]
        var q = types["dense_kernel"] as! [String: Any]
        q["bits"] = 17
        types["dense_kernel"] = q
        o["types"] = types
        #expect(error(o) == "types.dense_kernel: bit width 17 outside 1...16")
        q["bits"] = 0
        types["dense_kernel"] = q
        o["types"] = types
        #expect(error(o) == "types.dense_kernel: bit width 0 outside 1...16")
    }

    @Test func weightOutsideItsRangeIsNamed() throws {
        var o = try json(sample())
        var tensors = o["tensors"] as! [String: Any]
        var t = tensors["depthwise_kernel"] as! [String: Any]
        var codes = t["codes"] as! [Int]
        codes[4] = 8  // quantized_bits(4,0,1) codes are -7...7
        t["codes"] = codes
        tensors["depthwise_kernel"] = t
        o["tensors"] = tensors
        #expect(error(o) == "depthwise kernel[4] = 8 outside quantized_bits(4,0,1,alpha=1)'s codes -7...7")
    }

    @Test func missingPiecesAndWrongScalesAreNamed() throws {
        var o = try json(sample())
        var tensors = o["tensors"] as! [String: Any]
        tensors.removeValue(forKey: "dense_2_bias")
        o["tensors"] = tensors
        #expect(error(o) == "missing tensors.dense_2_bias")

        o = try json(sample())
        tensors = o["tensors"] as! [String: Any]
        var t = tensors["pointwise_kernel"] as! [String: Any]
        t["scale"] = 0.25
        tensors["pointwise_kernel"] = t
        o["tensors"] = tensors
        #expect(error(o) == "tensors.pointwise_kernel: scale 0.25 disagrees with quantized_bits(4,0,1,alpha=1) (0.125)")

        o = try json(sample())
        o["version"] = 2
        #expect(error(o) == "model file version 2 is not supported (this reader reads 1)")
        o = try json(sample())
        o.removeValue(forKey: "architecture")
        #expect(error(o) == "missing field 'architecture'")
    }
}
