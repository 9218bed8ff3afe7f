import Foundation

/// The distributions the simulation draws from. Each is written out here (not taken from
/// the standard library's `Double.random(in:)`, whose algorithm may change between
/// releases) so that a seed fixes the output bit for bit.
extension RandomNumberGenerator {
    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    @inlinable
    public mutating func uniformPositive() -> Double {
        Double((next() >> 11) + 1) * 0x1.0p-53
    }

    /// Standard normal deviate (Marsaglia's polar method; the second value is not kept, so
    /// a generator's state depends only on how many deviates were drawn).
    @inlinable
    public mutating func gaussian() -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Exponential deviate with mean 1.
    @inlinable
    public mutating func exponential() -> Double { -log(uniformPositive()) }

    /// Poisson deviate with mean `mean` >= 0: inversion below 30, otherwise Hörmann's
    /// transformed rejection (PTRS, 1993), exact for every mean.
    @inlinable
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            var p = exp(-mean), cumulative = p
            let u = uniform()
            var k = 0
            while u > cumulative && k < 1000 {
                k += 1
                p *= mean / Double(k)
                cumulative += p
            }
            return k
        }
        let slam = mean.squareRoot(), loglam = log(mean)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.024_83 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniformPositive()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + mean + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1) {
                return Int(k)
            }
        }
    }

    /// Gamma deviate with shape `shape` > 0 and scale 1 (Marsaglia and Tsang 2000; shapes
    /// below 1 through the usual U^(1/shape) boost).
    @inlinable
    public mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(uniformPositive(), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = gaussian()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniformPositive()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v
            }
        }
    }
}
