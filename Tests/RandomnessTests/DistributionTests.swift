import Testing

@testable import Randomness

/// Moments of each distribution from 200,000 draws. The tolerances are 5 standard errors of
/// the estimated mean or variance, so a correct sampler fails about once in 3 million runs.
@Suite struct DistributionTests {
    static let draws = 200_000

    func moments(_ draw: (inout SplitMix64) -> Double, seed: UInt64 = 1) -> (mean: Double, variance: Double) {
        var rng = SplitMix64(seed: seed)
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<Self.draws {
            let x = draw(&rng)
            sum += x
            sumSquares += x * x
        }
        let mean = sum / Double(Self.draws)
        return (mean, sumSquares / Double(Self.draws) - mean * mean)
    }

    /// |estimate - expected| <= 5 standard errors, with the error of a mean (sqrt(var/n)) or,
    /// for a variance, sqrt((mu4 - var^2)/n) bounded with mu4 given.
    func expectWithin(_ estimate: Double, _ expected: Double, standardError: Double) {
        #expect(abs(estimate - expected) <= 5 * standardError, "estimate \(estimate), expected \(expected)")
    }

    @Test func uniformHasMeanHalfAndVarianceTwelfth() {
        let m = moments { $0.uniform() }
        let n = Double(Self.draws)
        expectWithin(m.mean, 0.5, standardError: (1.0 / 12 / n).squareRoot())
        expectWithin(m.variance, 1.0 / 12, standardError: ((1.0 / 80 - 1.0 / 144) / n).squareRoot())
    }

    @Test func gaussianIsStandard() {
        let m = moments { $0.gaussian() }
        let n = Double(Self.draws)
        expectWithin(m.mean, 0, standardError: (1 / n).squareRoot())
        expectWithin(m.variance, 1, standardError: (2 / n).squareRoot())
    }

    @Test(arguments: [0.3, 4.0, 29.9, 30.0, 250.0])
    func poissonMeanEqualsVariance(mean: Double) {
        let m = moments { Double($0.poisson(mean: mean)) }
        let n = Double(Self.draws)
        expectWithin(m.mean, mean, standardError: (mean / n).squareRoot())
        // Poisson: mu4 - var^2 = mean + 2 mean^2.
        expectWithin(m.variance, mean, standardError: ((mean + 2 * mean * mean) / n).squareRoot())
    }

    @Test(arguments: [0.5, 1.0, 7.5, 40.0])
    func gammaMeanEqualsShape(shape: Double) {
        let m = moments { $0.gamma(shape: shape) }
        let n = Double(Self.draws)
        expectWithin(m.mean, shape, standardError: (shape / n).squareRoot())
        // Gamma(k, 1): mu4 = 3k^2 + 6k, so mu4 - var^2 = 2k^2 + 6k.
        expectWithin(m.variance, shape, standardError: ((2 * shape * shape + 6 * shape) / n).squareRoot())
    }

    @Test func sameSeedSameSequenceAndStreamsDiffer() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        var s0 = SplitMix64.stream(seed: 7, index: 0), s1 = SplitMix64.stream(seed: 7, index: 1)
        #expect(s0.next() != s1.next())
        // The published first output of SplitMix64 seeded with 0 pins the algorithm.
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }
}
