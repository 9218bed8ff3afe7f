import Randomness
import Testing

@testable import OnPixelInference

@Suite struct PredictionTests {
    @Test func decodesMeansAndCovarianceInPhysicalUnits() {
        // x=0.1, L11=0.2, y=-0.4, L22=0.05, cotA=0.5, L33=-1 (clipped to 1e-9), cotB=0.2, L44=0.3,
        // L21=0.1, L31=0, L32=0, L41=0.2, L42=0, L43=0.
        let p = Prediction(outputs: [0.1, 0.2, -0.4, 0.05, 0.5, -1, 0.2, 0.3, 0.1, 0, 0, 0.2, 0, 0])
        #expect(p.mean == [7.5, -7.5, 4, 0.1])
        let c = p.covariance
        // The diagonal is 1e-9 + max(raw, 0).
        let l11 = 0.2 + 1e-9, l22 = 0.05 + 1e-9, l33 = 1e-9, l44 = 0.3 + 1e-9
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(b), 1e-30) }
        #expect(close(c[0], l11 * l11 * 75 * 75))
        #expect(close(c[1], l11 * 75 * 0.1 * 18.75) && c[1] == c[4])
        #expect(close(c[5], (0.01 + l22 * l22) * 18.75 * 18.75))
        #expect(close(c[10], l33 * l33 * 64))
        #expect(close(c[3], l11 * 75 * 0.2 * 0.5))
        #expect(close(c[15], (0.04 + l44 * l44) * 0.25))
        #expect(close(p.sigmas[0], l11 * 75))
        #expect(close(p.correlations[1], 0.1 / (0.01 + l22 * l22).squareRoot()))
    }

    @Test func covarianceIsSymmetricPositiveSemidefinite() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let p = Prediction(outputs: (0..<14).map { _ in Double.random(in: -1...1, using: &rng) })
            let c = p.covariance
            for i in 0..<4 { for j in 0..<4 { #expect(abs(c[i * 4 + j] - c[j * 4 + i]) < 1e-12) } }
            // x^T C x = |L^T x|^2 >= 0 for random x.
            let x = (0..<4).map { _ in Double.random(in: -1...1, using: &rng) }
            var q = 0.0
            for i in 0..<4 { for j in 0..<4 { q += x[i] * c[i * 4 + j] * x[j] } }
            #expect(q >= -1e-12)
        }
    }
}
