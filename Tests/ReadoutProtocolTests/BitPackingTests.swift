import Testing

@testable import ReadoutProtocol

@Suite struct BitPackingTests {
    @Test(arguments: [2, 4, 8])
    func everyCodeSurvivesAtEveryPosition(bits: Int) {
        for signed in [false, true] {
            let range = CodeFormat(bits: bits, signed: signed).range
            // Every code at every position in a byte, odd lengths that leave a partial byte, and
            // runs of zero codes longer than the eight zero bytes the unpacker skips at once.
            for length in [1, 2, 3, 5, 8, 13, 17, 77, 170] {
                for code in range {
                    let codes = (0..<length).map { i in i == length - 1 ? code : (i / 40) % 2 == 1 ? 0 : range.lowerBound + (i % range.count) }
                    var packed: [UInt8] = []
                    BitPacking.pack(codes, bits: bits, into: &packed)
                    #expect(packed.count == (length * bits + 7) / 8)
                    var out = [Int16](repeating: 99, count: length)
                    packed.withUnsafeBytes { p in
                        out.withUnsafeMutableBufferPointer { BitPacking.unpack(p, count: length, bits: bits, signed: signed, into: $0.baseAddress!) }
                    }
                    #expect(out.map(Int.init) == codes)
                }
            }
        }
    }

    @Test func layoutIsLeastSignificantBitsFirst() {
        var packed: [UInt8] = []
        BitPacking.pack([1, 2, 3, 0, 3], bits: 2, into: &packed)
        #expect(packed == [0b00_11_10_01, 0b0000_0011])
        packed = []
        BitPacking.pack([-8, 7, -1], bits: 4, into: &packed)
        #expect(packed == [0x78, 0x0F])
    }
}
