import Foundation
import Randomness
import Testing

@testable import OnPixelInference

/// Residuals and pulls on synthetic predictions of known error, where the answer is known in
/// closed form: residuals drawn from N(0, s), predicted sigma k s, so the residual sigma is s
/// and the pull width 1/k.
@Suite struct ResolutionTests {
    /// Outputs (scaled units) whose decoded sigmas are `sigmas` (physical units) with no
    /// correlation, and whose means are `means` (physical units).
    static func outputs(means: [Double], sigmas: [Double], scales: [Double] = [75, 18.75, 8, 0.5]) -> [Double] {
        var o = [Double](repeating: 0, count: 14)
        for q in 0..<4 {
            o[2 * q] = means[q] / scales[q]
            o[2 * q + 1] = sigmas[q] / scales[q]
        }
        return o
    }

    @Test(arguments: [1.0, 2.0, 0.5])
    func knownErrorsGiveKnownSigmasAndPulls(k: Double) {
        var rng = SplitMix64(seed: 11)
        let sigma = [8.0, 2.0, 0.2, 0.05]
        var predictions: [Prediction] = [], truth: [[Double]] = []
        let n = 40_000
        for _ in 0..<n {
            let t = [
                Double.random(in: -75...75, using: &rng), Double.random(in: -18...18, using: &rng), Double.random(in: -2...2, using: &rng),
                Double.random(in: -0.5...0.5, using: &rng),
            ]
            let mean = (0..<4).map { t[$0] + sigma[$0] * rng.gaussian() }
            predictions.append(Prediction(outputs: Self.outputs(means: mean, sigmas: sigma.map { $0 * k })))
            truth.append(t)
        }
        let r = Resolution(predictions: predictions, truth: truth)
        // Standard error of a sigma estimate from n values: sigma / sqrt(2 n) = 0.35 %; allow 5 of them.
        for q in 0..<4 {
            #expect(abs(r.residualSigma[q] / sigma[q] - 1) < 0.018, "quantity \(q): \(r.residualSigma[q])")
            #expect(abs(r.pullSigma[q] * k - 1) < 0.018, "quantity \(q): pull \(r.pullSigma[q])")
            #expect(abs(r.residualMean[q]) < 5 * sigma[q] / Double(n).squareRoot())
        }
        #expect(r.count == n)
    }

    /// Correlated errors: the pull uses each quantity's own sigma from L L^T (the diagonal of
    /// the covariance), not the diagonal of L.
    @Test func thePullUsesTheCovarianceDiagonal() {
        // L = [[a, 0], [c, d]] in x, y: sigma_y = sqrt(c^2 + d^2).
        var o = Self.outputs(means: [0, 0, 0, 0], sigmas: [6, 1.5, 0.1, 0.02])
        o[8] = 2.0 / 18.75  // L21 in y's scaled units
        let p = Prediction(outputs: o)
        #expect(abs(p.sigmas[1] - (2.0 * 2.0 + 1.5 * 1.5).squareRoot()) < 1e-6)  // L has 1e-9 added on its diagonal
        let r = Resolution(predictions: [p, p], truth: [[0, 2.5, 0, 0], [0, -2.5, 0, 0]])
        #expect(abs(r.pullMean[1]) < 1e-12 && abs(r.pullSigma[1] - 2.0.squareRoot()) < 1e-6)  // pulls -1 and +1
    }

    /// A sigma at its floor (raw diagonal <= 0 and nothing else in its row of L) has no pull:
    /// counted and left out, so one such cluster does not set the width; its residual counts.
    @Test func aSigmaAtItsFloorIsCountedNotAveraged() {
        let good = Self.outputs(means: [0, 0, 0, 0], sigmas: [6, 1.5, 0.1, 0.02])
        var floor = good
        floor[1] = -0.25  // L11 <= 0: sigma_x is 1e-9 * 75 um
        floor[3] = 0  // L22 = 0, but L21 below keeps sigma_y defined
        floor[8] = 1.5 / 18.75
        let r = Resolution(
            predictions: [Prediction(outputs: good), Prediction(outputs: good), Prediction(outputs: floor)],
            truth: [[6, 1.5, 0, 0], [-6, -1.5, 0, 0], [30, 3, 0, 0]])
        #expect(Prediction(outputs: floor).sigmaAtFloor == [true, false, false, false])
        #expect(r.undefinedPulls == [1, 0, 0, 0])
        #expect(abs(r.pullMean[0]) < 1e-12 && abs(r.pullSigma[0] - 2.0.squareRoot()) < 1e-6)  // pulls -1 and +1 only (1e-9 on the diagonal)
        #expect(abs(r.pullSigma[1] - (7.0 / 3).squareRoot()) < 1e-6)  // y pulls 1, -1, 2 (sigma_y from L21)
        #expect(abs(r.residualSigma[0] - 336.0.squareRoot()) < 1e-9)  // residuals 6, -6, 30 all count
    }
}
