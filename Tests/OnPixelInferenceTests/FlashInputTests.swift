import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import OnPixelInference

/// A network on the chip's 2-bit flash codes (FlashInput): the codes or the charge become
/// input code 2k, anything else is refused with the reason, and the model file keeps the
/// thresholds.
@Suite struct FlashInputTests {
    static func model() -> QuantizedModel {
        var rng = SplitMix64(seed: 3)
        var m = QuantizedModel.random(.smartPixels(slices: 2), using: &rng)
        m.inputEncoding = nil
        m.flashInput = FlashInput(thresholds: [410, 1500, 2600])
        return m
    }

    static func batch(codes: CodeFormat?, charge: Bool) -> FrameBatch {
        var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: codes, charge: charge)
        let q: [Float] = (0..<546).map { p in p % 7 == 0 ? [0, 409.9, 410, 1499, 1500, 2600, 9000][p / 7 % 7] : 0 }
        b.append(
            bunchCrossing: 1, timestamp: 0, yLocal: 0, xLocal: 0,
            codes: codes == nil ? [] : q.map { Int16(FlashInput(thresholds: [410, 1500, 2600]).code($0)) },
            charge: charge ? q : [])
        return b
    }

    @Test func flashCodesAndChargeGiveTheSameInputs() throws {
        let m = Self.model(), mapper = FrameInputMapper(model: m)
        var fromCodes = [Int8](repeating: 0, count: 546), fromCharge = fromCodes
        for (b, into) in [(Self.batch(codes: CodeFormat(bits: 2, signed: false), charge: false), 0), (Self.batch(codes: nil, charge: true), 1)] {
            guard case .success(let plan) = mapper.plan(for: b) else { Issue.record("refused"); return }
            if into == 0 {
                fromCodes.withUnsafeMutableBufferPointer { mapper.fill(b, record: 0, plan: plan, into: $0) }
            } else {
                fromCharge.withUnsafeMutableBufferPointer { mapper.fill(b, record: 0, plan: plan, into: $0) }
            }
        }
        #expect(fromCodes == fromCharge)
        // Pixel 7 (slice 0, NHWC channel 0 at 7 * 2): 409.9 e is below 410: code 0; pixel 14: 410 e: 1 -> input 2.
        #expect(fromCodes[7 * 2] == 0 && fromCodes[14 * 2] == 2 && fromCodes[28 * 2] == 4 && fromCodes[35 * 2] == 6 && fromCodes[42 * 2] == 6)
        #expect(Set(fromCodes).isSubset(of: [0, 2, 4, 6]))
    }

    @Test func theNetworkCodeIsRefusedWithTheReason() {
        let b = Self.batch(codes: CodeFormat(bits: 4, signed: true), charge: false)
        guard case .failure(let e) = FrameInputMapper(model: Self.model()).plan(for: b) else {
            Issue.record("a flash model took signed 4-bit codes")
            return
        }
        #expect(e.description.contains("2-bit flash-ADC codes"))
    }

    @Test func theModelFileKeepsTheThresholdsAndRefusesBadOnes() throws {
        let m = Self.model()
        let data = try ModelFile.encode(m)
        #expect(try ModelFile.decode(data).flashInput == m.flashInput)
        for bad in [[410, 1500], [1500, 410, 2600], [0, 1500, 2600]] {
            var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            document["flash_input"] = ["thresholds_e": bad]
            let broken = try JSONSerialization.data(withJSONObject: document)
            #expect(throws: ModelError.self) { try ModelFile.decode(broken) }
        }
    }
}
