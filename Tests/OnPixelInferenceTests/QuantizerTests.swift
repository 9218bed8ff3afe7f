import Foundation
import ReadoutProtocol
import Testing

@testable import OnPixelInference

@Suite struct QuantizerTests {
    @Test func quantizedBitsRangesFromTheSpec() {
        // (4,0,1) codes -7..7 x 2^-3; (4,0) -8..7 x 2^-3; (8,0) -128..127 x 2^-7.
        #expect(QuantizedBits(bits: 4, symmetric: true).codeRange == -7...7)
        #expect(QuantizedBits(bits: 4).codeRange == -8...7)
        #expect(QuantizedBits(bits: 8).codeRange == -128...127)
        #expect(QuantizedBits(bits: 4).scale == 0.125 && QuantizedBits(bits: 8).scale == 1.0 / 128)
        let q4 = QuantizedBits(bits: 4, symmetric: true)
        #expect(q4(5.0) == 0.875 && q4(-5.0) == -0.875)  // clipped, stored weights may lie outside
        #expect(QuantizedBits(bits: 4)(-5.0) == -1.0)
    }

    @Test func tiesRoundToEven() {
        let q = QuantizedBits(bits: 4)
        // 0.0625 = 0.5 code steps -> 0; 0.1875 = 1.5 -> 2; -0.0625 -> 0; -0.1875 -> -2.
        #expect(q.code(0.0625) == 0 && q.code(0.1875) == 2 && q.code(-0.0625) == 0 && q.code(-0.1875) == -2)
        #expect(q.code(0.0625000001) == 1)
    }

    @Test func quantizedTanhIsAHardTanh() {
        let t4 = QuantizedTanh(bits: 4)
        #expect(t4.codeRange == -7...7)
        #expect(QuantizedTanh(bits: 8).codeRange == -127...127)
        #expect(t4(0.3) == 0.25)  // hard tanh: clip(0.3) * 8 = 2.4 -> 2 -> 0.25 (tanh(0.3) would give 0.375)
        #expect(t4(3) == 0.875 && t4(-3) == -0.875)
        #expect(t4.code(0.1875) == 2 && t4.code(0.0625) == 0)  // 1.5 -> 2, 0.5 -> 0
    }

    @Test func integerShiftMatchesRoundHalfEvenOfTheQuotient() {
        for shift: Int32 in [1, 3, 6, 7] {
            for acc in Int32(-3000)...3000 {
                let exact = (Double(acc) / Double(1 << shift)).rounded(.toNearestOrEven)
                #expect(shiftRoundHalfEven(acc, shift) == Int32(exact), "acc \(acc) >> \(shift)")
            }
        }
    }
}

/// The front end's network code (`InputEncoding.code4`, what readout-sim sends) and the
/// network's own input quantizer on float charge (`code(charge:quantizer:)`, what
/// onpixel-infer computes from charge) must give the same code for every charge: a sweep
/// over both signs, six decades and every rounding boundary of the 4-bit grid.
@Suite struct InputCodeAgreementTests {
    @Test(arguments: [InputEncoding(mean: 10, std: 1), InputEncoding(mean: 8.7, std: 2.3, positiveDivisor: 1.7, negativeDivisor: 2.5)])
    func frontEndCodeAndNetworkQuantizerAgree(encoding e: InputEncoding) {
        let q = ModelArchitecture.smartPixels(slices: 2).types.input
        var charges: [Double] = [0, 1e-9, -1e-9, 0.5, -0.5]
        var x = 1e-3
        while x < 1e6 {
            charges += [x, -x]
            x *= 1.0037
        }
        // Charges whose scaled value sits on a half step k/16 (a rounding boundary), and a hair either side.
        for k in -20...20 {
            let z = Double(k) / 16
            for sign in [1.0, -1.0] {
                let v = e.mean + e.std * z * (z > 0 ? e.positiveDivisor : e.negativeDivisor)
                guard sign * v > 0 else { continue }
                let magnitude = exp2(abs(v)) - 1
                charges += [sign * magnitude, sign * magnitude.nextUp, sign * magnitude.nextDown]
            }
        }
        var disagreements = 0
        for c in charges where e.code4(charge: c) != e.code(charge: c, quantizer: q) { disagreements += 1 }
        #expect(disagreements == 0, "\(disagreements) of \(charges.count) charges")
        #expect(charges.count > 8000)
    }
}
