import Foundation

/// The seed's charge-to-input mapping (quantization.md), which on a chip is the pixel's ADC
/// transfer function; shared by the front end (which may emit the code) and the network
/// (which quantizes it with its input quantizer): for a non-zero charge q (electrons),
/// v = sign(q) log2(1 + |q|), z = (v - mean) / std, z /= (z > 0 ? positiveDivisor : negativeDivisor),
/// code = quantized_bits(4, 0)(z) as an integer in -8...7. Zero charge stays code 0.
public struct InputEncoding: Sendable, Equatable, Codable {
    /// Mean and standard deviation of v over the non-zero pixels of the training data.
    public var mean: Double
    public var std: Double
    public var positiveDivisor: Double
    public var negativeDivisor: Double

    public init(mean: Double, std: Double, positiveDivisor: Double = 1.7, negativeDivisor: Double = 2.5) {
        self.mean = mean
        self.std = std
        self.positiveDivisor = positiveDivisor
        self.negativeDivisor = negativeDivisor
    }

    enum CodingKeys: String, CodingKey {
        case mean, std, positiveDivisor = "positive_divisor", negativeDivisor = "negative_divisor"
    }

    /// Whether two sets of constants give the same codes: equal within a relative 1e-6 (the
    /// constants travel as JSON decimals).
    public func agrees(with other: InputEncoding) -> Bool {
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1) }
        return close(mean, other.mean) && close(std, other.std) && close(positiveDivisor, other.positiveDivisor)
            && close(negativeDivisor, other.negativeDivisor)
    }

    /// The value the network's input quantizer sees for a non-zero charge q (electrons).
    @inline(__always)
    public func scaled(charge q: Double) -> Double {
        let v = (q > 0 ? 1.0 : -1.0) * log2(1 + abs(q))
        let z = (v - mean) / std
        return z / (z > 0 ? positiveDivisor : negativeDivisor)
    }

    /// The seed's 4-bit input code, quantized_bits(4, 0): clip(rhe(8 z), -8, 7); 0 for q = 0.
    /// What a front end emitting the network's input directly sends.
    public func code4(charge q: Double) -> Int {
        guard q != 0 else { return 0 }
        return Int(min(max((scaled(charge: q) * 8).rounded(.toNearestOrEven), -8), 7))
    }

    /// Mean and standard deviation of sign(q) log2(1 + |q|) over the non-zero charges, for
    /// encoding constants computed from a sample when none are given.
    public static func fit(charges: some Sequence<Float>, positiveDivisor: Double = 1.7, negativeDivisor: Double = 2.5) -> InputEncoding? {
        var n = 0.0, sum = 0.0, sumSquares = 0.0
        for q in charges where q != 0 {
            let v = (q > 0 ? 1.0 : -1.0) * log2(1 + Double(abs(q)))
            n += 1
            sum += v
            sumSquares += v * v
        }
        guard n > 1 else { return nil }
        let mean = sum / n
        let variance = max(sumSquares / n - mean * mean, 0)
        guard variance > 0 else { return nil }
        return InputEncoding(mean: mean, std: variance.squareRoot(), positiveDivisor: positiveDivisor, negativeDivisor: negativeDivisor)
    }
}
