import Foundation
import Randomness
import Testing

@testable import ReadoutProtocol

/// The boundary table gives code4's value for every Float charge: checked around every
/// boundary (where a wrong boundary would show first) and on charges spread over the range.
@Suite struct InputCodeTableTests {
    static let encodings = [
        InputEncoding(mean: 8.795345813844234, std: 4.025352891541984),  // type2-2slice's constants
        InputEncoding(mean: 3.1, std: 5.4933),
        InputEncoding(mean: 10, std: 1, positiveDivisor: 1, negativeDivisor: 4),
    ]

    @Test(arguments: encodings)
    func tableEqualsTheLogarithmEverywhere(encoding e: InputEncoding) {
        let table = InputCodeTable(e)
        func expectSame(_ q: Float) {
            #expect(table.code(q) == Int16(e.code4(charge: Double(q))), "charge \(q)")
        }
        var finite = 0
        for slot in 0..<15 where table.boundaries[slot].isFinite {
            finite += 1
            var below = table.boundaries[slot], above = below
            for _ in 0..<256 {
                expectSame(below)
                expectSame(above)
                below = below.nextDown
                above = above.nextUp
            }
        }
        #expect(finite >= 8, "codes spread over the charges")
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200_000 {
            let magnitude = Float(exp(rng.uniform() * 14 - 2))  // 0.14 e to 160 ke
            expectSame(rng.uniform() < 0.8 ? magnitude : -magnitude)
        }
        for q: Float in [0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1, 1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] {
            expectSame(q)
        }
    }
}
