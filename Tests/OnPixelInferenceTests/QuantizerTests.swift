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
