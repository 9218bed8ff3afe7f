/// The 4-bit input code of `InputEncoding.code4` as 15 charge boundaries: the code of a
/// non-zero charge is -8 plus the number of boundaries it reaches. code4 is a non-decreasing
/// function of the charge (log2, a linear map, a divisor chosen by sign and rounding all
/// are), so each boundary, the smallest Float charge with at least that code, is found by
/// bisection over the Floats once, and the table then gives code4's value for every Float
/// charge without a logarithm (tested against code4 around every boundary and on random
/// charges). A front end's hot path codes every kept pixel and slice with it.
public struct InputCodeTable: Sendable {
    /// Boundaries of codes -7 ... 7, increasing, then +infinity (never reached).
    @usableFromInline let boundaries: SIMD16<Float>

    public init(_ encoding: InputEncoding) {
        func code(_ q: Float) -> Int { Int(min(max((encoding.scaled(charge: Double(q)) * 8).rounded(.toNearestOrEven), -8), 7)) }
        // Floats in increasing order as integers: negative ones mirrored below zero.
        func key(_ f: Float) -> Int64 { f.sign == .minus ? -Int64(f.bitPattern & 0x7FFF_FFFF) : Int64(f.bitPattern) }
        func float(_ k: Int64) -> Float { k < 0 ? -Float(bitPattern: UInt32(-k)) : Float(bitPattern: UInt32(k)) }
        var b = SIMD16<Float>(repeating: .infinity)
        for (slot, wanted) in (-7...7).enumerated() {
            var lo = key(-.greatestFiniteMagnitude), hi = key(.greatestFiniteMagnitude)
            if code(float(lo)) >= wanted {
                b[slot] = -.infinity
                continue
            }
            if code(float(hi)) < wanted { continue }
            // code(lo) < wanted <= code(hi)
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if code(float(mid)) >= wanted { hi = mid } else { lo = mid }
            }
            b[slot] = float(hi)
        }
        boundaries = b
    }

    /// code4 of a charge (0 for 0): -8 plus the number of boundaries at or below it, by a
    /// four-step binary search.
    @inlinable @inline(__always)
    public func code(_ q: Float) -> Int16 {
        guard q != 0 else { return 0 }
        let b = boundaries
        var n = q >= b[7] ? 8 : 0
        n += q >= b[n + 3] ? 4 : 0
        n += q >= b[n + 1] ? 2 : 0
        n += q >= b[n] ? 1 : 0
        return Int16(n - 8)
    }
}
