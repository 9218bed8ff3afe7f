/// QKeras 0.9.0 quantizers, exactly (quantization.md). `rhe` is round half to even, as
/// tf.round: ties are frequent in this network and half-up rounding changes most outputs.

/// `quantized_bits(bits, integer, symmetric, keep_negative, alpha=1)`:
/// m = 2^(bits - keep_negative), mi = 2^integer,
/// xq = mi * clip(rhe(x * m / mi), keep_negative * (-m + symmetric), m - 1) / m.
public struct QuantizedBits: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var bits: Int
    public var integer: Int
    public var symmetric: Bool
    public var keepNegative: Bool

    public init(bits: Int, integer: Int = 0, symmetric: Bool = false, keepNegative: Bool = true) {
        precondition((1...16).contains(bits), "bit width \(bits) outside 1...16")
        self.bits = bits
        self.integer = integer
        self.symmetric = symmetric
        self.keepNegative = keepNegative
    }

    /// Codes are integers k in `codeRange`, the value being k * 2^-`fractionBits`.
    public var fractionBits: Int { bits - (keepNegative ? 1 : 0) - integer }
    public var codeRange: ClosedRange<Int> {
        let m = 1 << (bits - (keepNegative ? 1 : 0))
        return (keepNegative ? -m + (symmetric ? 1 : 0) : 0)...(m - 1)
    }

    /// The integer code of `x`.
    public func code(_ x: Double) -> Int {
        let scaled = (x * Double(1 << (bits - (keepNegative ? 1 : 0))) / Double(1 << integer)).rounded(.toNearestOrEven)
        return Int(min(max(scaled, Double(codeRange.lowerBound)), Double(codeRange.upperBound)))
    }

    /// The quantized value of `x`.
    public func callAsFunction(_ x: Double) -> Double { Double(code(x)) * scale }

    /// Value of one code step.
    public var scale: Double { Double(1 << integer) / Double(1 << (bits - (keepNegative ? 1 : 0))) }

    public var description: String { "quantized_bits(\(bits),\(integer),\(symmetric ? 1 : 0),alpha=1)" }
}

/// `quantized_tanh(bits, use_stochastic_rounding=0, symmetric)`: a HARD tanh,
/// m = 2^(bits-1), y = clip(rhe(clip(x, -1, 1) * m) / m, -1 + symmetric/m, 1 - 1/m).
public struct QuantizedTanh: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var bits: Int
    public var symmetric: Bool

    public init(bits: Int, symmetric: Bool = true) {
        precondition((2...16).contains(bits), "bit width \(bits) outside 2...16")
        self.bits = bits
        self.symmetric = symmetric
    }

    public var fractionBits: Int { bits - 1 }
    public var codeRange: ClosedRange<Int> {
        let m = 1 << (bits - 1)
        return (-m + (symmetric ? 1 : 0))...(m - 1)
    }

    public func code(_ x: Double) -> Int {
        let m = Double(1 << (bits - 1))
        let p = min(max(x, -1), 1)
        let k = (p * m).rounded(.toNearestOrEven)
        return Int(min(max(k, Double(codeRange.lowerBound)), Double(codeRange.upperBound)))
    }

    public func callAsFunction(_ x: Double) -> Double { Double(code(x)) / Double(1 << (bits - 1)) }

    public var description: String { "quantized_tanh(\(bits),0,\(symmetric ? 1 : 0))" }
}

/// rhe(acc / 2^shift) in integers: the arithmetic shift, plus one when the remainder is above
/// half, or exactly half and the quotient is odd.
@inline(__always)
public func shiftRoundHalfEven(_ acc: Int32, _ shift: Int32) -> Int32 {
    let q = acc >> shift
    let r = acc &- (q << shift)
    let half: Int32 = 1 << (shift - 1)
    return q &+ ((r > half || (r == half && (q & 1) == 1)) ? 1 : 0)
}
