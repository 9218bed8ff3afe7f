import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import TriggerFilter

@Suite struct PtEstimateTests {
    let k = BarrelKinematics()

    /// A covariance with only cotBeta's variance (and y's, to show it barely enters).
    func covariance(cotBetaSigma s: Double, ySigma: Double = 0, correlation: Double = 0) -> [Double] {
        var c = [Double](repeating: 0, count: 16)
        c[0] = 100
        c[5] = ySigma * ySigma
        c[10] = 0.01
        c[15] = s * s
        c[13] = correlation * ySigma * s
        c[7] = c[13]
        return c
    }

    @Test(arguments: [(0.3, 0.0), (1.0, -8.0), (5.0, 5.0), (-0.5, 2.0), (-2.0, -6.0)])
    func theEstimateInvertsTheKinematics(pt: Double, y0: Double) {
        let cotBeta = k.cotBeta(pt: pt, y0: y0)
        let e = PtEstimate(mean: [0, 0, 0, cotBeta], covariance: covariance(cotBetaSigma: 0.01), yLocal: y0)
        #expect(abs(e.pt / pt - 1) < 1e-9, "\(e.pt) for \(pt)")
    }

    /// Small-angle form at y0 = 0: pT = k / |cotBeta|, so sigma_pT = pT^2 sigma_cotBeta / k.
    @Test(arguments: [0.5, 1.0, 2.0])
    func theUncertaintyFollowsTheSmallAngleForm(pt: Double) {
        let s = 0.002
        let e = PtEstimate(mean: [0, 0, 0, k.cotBeta(pt: pt, y0: 0)], covariance: covariance(cotBetaSigma: s), yLocal: 0)
        let expected = pt * pt * s / k.curvatureConstant
        #expect(abs(e.sigma / expected - 1) < 0.01, "\(e.sigma) against \(expected)")
        // y enters through the direction to the hit, atan(y0 / h), against atan(cotBeta): the
        // bend's variance is sB^2 + (sy / h)^2 - 2 rho sB sy / h. With 2 um and rho 0.5 that is
        // -1.6 % on sigma here, where cotBeta is measured to 0.002.
        let withY = PtEstimate(mean: [0, 0, 0, k.cotBeta(pt: pt, y0: 0)], covariance: covariance(cotBetaSigma: s, ySigma: 2, correlation: 0.5), yLocal: 0)
        let r = 0.002 / k.radius / s
        #expect(abs(withY.sigma / e.sigma - (1 + r * r - r).squareRoot()) < 1e-3, "\(withY.sigma / e.sigma)")
    }

    /// P(|pT| > T) in closed form against sampling the Gaussian in cotBeta: within four
    /// binomial standard errors.
    @Test(arguments: [(0.25, 0.0, 0.02), (0.15, 3.0, 0.05), (1.0, -7.0, 0.004), (0.4, 0.0, 0.0005)])
    func theProbabilityAboveThresholdIsTheGaussianMass(pt: Double, y0: Double, sigma: Double) {
        let e = PtEstimate(mean: [0, 0, 0, k.cotBeta(pt: pt, y0: y0)], covariance: covariance(cotBetaSigma: sigma), yLocal: y0)
        let p = e.probabilityAbove(0.2)
        var rng = SplitMix64(seed: 4)
        let n = 200_000
        var above = 0
        for _ in 0..<n where abs(k.pt(cotBeta: e.cotBeta + sigma * rng.gaussian(), y0: y0)) > 0.2 { above += 1 }
        let sampled = Double(above) / Double(n)
        #expect(abs(p - sampled) <= 4 * (sampled * (1 - sampled) / Double(n)).squareRoot() + 1e-4, "\(p) against \(sampled)")
    }

    @Test func aThresholdBelowWhatReachesTheLayerKeepsEverything() {
        let w = PtEstimate.cotBetaWindow(threshold: 0.01, y0: 0)
        #expect(w.lowerBound == -.infinity && w.upperBound == .infinity)
    }
}

@Suite struct TriggerPolicyTests {
    let k = BarrelKinematics()

    func estimate(pt: Double, cotBetaSigma: Double = 0.001) -> PtEstimate {
        PtEstimate(pt: pt, sigma: 0, cotBeta: k.cotBeta(pt: pt, y0: 0), cotBetaSigma: cotBetaSigma, y0: 0)
    }

    @Test func eachPolicyHasItsBoundary() {
        let cut = TriggerPolicy.pointCut(threshold: 0.2)
        #expect(!cut.decide(estimate(pt: 0.2)).keep && cut.decide(estimate(pt: 0.2000001)).keep && cut.decide(estimate(pt: -0.3)).keep)
        // On the window's edge the probability is one half: kept at confidence 0.5, not above.
        let edge = estimate(pt: 0.2, cotBetaSigma: 0.001)
        #expect(abs(TriggerPolicy.uncertaintyAware(threshold: 0.2, confidence: 0.5).decide(edge).score - 0.5) < 1e-9)
        #expect(TriggerPolicy.uncertaintyAware(threshold: 0.2, confidence: 0.5).decide(edge).keep)
        #expect(!TriggerPolicy.uncertaintyAware(threshold: 0.2, confidence: 0.5001).decide(edge).keep)
        let uncertain = TriggerPolicy.keepWhenUncertain(threshold: 0.2, sigmaLimit: 0.05)
        #expect(uncertain.decide(estimate(pt: 0.1, cotBetaSigma: 0.0501)).keep && !uncertain.decide(estimate(pt: 0.1, cotBetaSigma: 0.05)).keep)
        #expect(uncertain.decide(estimate(pt: 0.3, cotBetaSigma: 0.01)).keep)
        let chip = TriggerPolicy.onSensorClasses(threshold: 0.2)
        #expect(TriggerPolicy.onSensorClass(estimate(pt: 0.5), threshold: 0.2) == 0)
        #expect(TriggerPolicy.onSensorClass(estimate(pt: -0.1), threshold: 0.2) == 1)
        #expect(TriggerPolicy.onSensorClass(estimate(pt: 0.1), threshold: 0.2) == 2)
        #expect(chip.decide(estimate(pt: -0.5)).keep && !chip.decide(estimate(pt: 0.15)).keep)
    }

    @Test(arguments: [
        TriggerPolicy.pointCut(threshold: 0), .pointCut(threshold: -1), .pointCut(threshold: .nan), .uncertaintyAware(threshold: 0.2, confidence: 0),
        .uncertaintyAware(threshold: 0.2, confidence: 1), .uncertaintyAware(threshold: 0.2, confidence: 1.5), .keepWhenUncertain(threshold: 0.2, sigmaLimit: 0),
        .onSensorClasses(threshold: .infinity),
    ])
    func badParametersAreRefused(policy: TriggerPolicy) {
        #expect(throws: TriggerPolicy.Invalid.self) { try policy.validate() }
    }
}

@Suite struct TriggerDeciderTests {
    /// From the 14 raw outputs the decider takes the (y, cotBeta) block of L L^T exactly as
    /// the full 4 x 4 covariance gives it, and ties each decision to its cluster.
    @Test func rawOutputsGiveTheSameEstimateAsTheFullCovariance() throws {
        var rng = SplitMix64(seed: 8)
        var batch = PredictionBatch()
        for i in 0..<50 {
            let o = (0..<14).map { j in Float(j % 2 == 1 && j < 8 ? 0.05 + 0.2 * rng.uniform() : 0.3 * rng.gaussian()) }
            batch.append(bunchCrossing: UInt64(100 + i), frameSequence: 7, recordIndex: UInt32(i), yLocal: Float(rng.uniform() * 16 - 8), xLocal: 0, outputs: o)
        }
        let decider = try TriggerDecider(policy: .uncertaintyAware(threshold: 0.2, confidence: 0.9))
        let decisions = decider.decide(batch)
        for i in 0..<batch.count {
            let o = batch.outputs(ofRecord: i).map(Double.init)
            // The covariance in physical units, L L^T with rows scaled as Prediction decodes it.
            let s = [75.0, 18.75, 8, 0.5]
            var l = [Double](repeating: 0, count: 16)
            for q in 0..<4 { l[q * 5] = 1e-9 + max(o[2 * q + 1], 0) }
            (l[4], l[8], l[9], l[12], l[13], l[14]) = (o[8], o[9], o[10], o[11], o[12], o[13])
            var c = [Double](repeating: 0, count: 16)
            for a in 0..<4 { for b in 0..<4 { for m in 0..<4 { c[a * 4 + b] += l[a * 4 + m] * l[b * 4 + m] * s[a] * s[b] } } }
            let e = PtEstimate(mean: [0, o[2] * 18.75, 0, o[6] * 0.5], covariance: c, yLocal: Double(batch.yLocal[i]))
            let d = decisions.records[i]
            #expect(d.bunchCrossing == batch.bunchCrossings[i] && d.recordIndex == UInt32(i) && d.frameSequence == 7)
            #expect(abs(Double(d.pt) - e.pt) <= 1e-5 * abs(e.pt) && abs(Double(d.ptSigma) - e.sigma) <= 1e-5 * e.sigma + 1e-9)
            #expect(d.keep == (e.probabilityAbove(0.2) >= 0.9))
        }
    }
}

/// Efficiencies on synthetic predictions of known sigma, where they are known in closed
/// form: a track of true pT at y0 = 0 whose cotBeta is measured with Gaussian error s is kept
/// by the point cut at T with probability Phi((hi - c) / s) - Phi((lo - c) / s) over the
/// cotBeta window of T, c its true cotBeta.
@Suite struct TriggerStudyTests {
    let k = BarrelKinematics()

    func sample(truePts: [Double], sigma: Double, perPt: Int, seed: UInt64) -> TriggerStudy {
        var rng = SplitMix64(seed: seed)
        var entries: [TriggerStudy.Entry] = []
        for pt in truePts {
            let c = k.cotBeta(pt: pt, y0: 0)
            for _ in 0..<perPt {
                let measured = c + sigma * rng.gaussian()
                let e = PtEstimate(y: 0, cotBeta: measured, varY: 0, varCotBeta: sigma * sigma, covYCotBeta: 0, yLocal: 0)
                entries.append(.init(estimate: e, truePt: pt))
            }
        }
        return TriggerStudy(entries: entries, signalThreshold: 0.2)
    }

    @Test func turnOnCurvesFollowTheClosedForm() {
        let sigma = 0.02, pts = [0.1, 0.15, 0.25, 0.5, -0.3]
        let study = sample(truePts: pts, sigma: sigma, perPt: 20_000, seed: 5)
        for pt in pts {
            let curve = study.turnOn(.pointCut(threshold: 0.2), edges: [abs(pt) - 0.001, abs(pt) + 0.001])
            let w = PtEstimate.cotBetaWindow(threshold: 0.2, y0: 0), c = k.cotBeta(pt: pt, y0: 0)
            let expected = normalCDF((w.upperBound - c) / sigma) - normalCDF((w.lowerBound - c) / sigma)
            #expect(abs(curve[0].efficiency - expected) <= 4 * max(curve[0].error, 1e-3), "pT \(pt): \(curve[0].efficiency) against \(expected)")
        }
        // Efficiency and data reduction of the whole sample: 3 of 5 pT values are signal.
        let p = study.evaluate(.pointCut(threshold: 0.2), parameter: 0.2)
        #expect(abs(p.efficiency - study.turnOn(.pointCut(threshold: 0.2), edges: [0.2, 10]).first!.efficiency) < 1e-12)
        let kept = study.entries.filter { abs($0.estimate.pt) > 0.2 }.count
        #expect(abs(p.dataReduction - (1 - Double(kept) / Double(study.entries.count))) < 1e-12)
    }

    /// The working point is the loosest cut that still keeps the efficiency.
    @Test func workingPointsMeetTheirEfficiency() {
        let study = sample(truePts: [0.1, 0.3, 1, 2], sigma: 0.01, perPt: 5_000, seed: 6)
        let w = study.workingPoint(efficiency: 0.95, range: 0.001...5) { .pointCut(threshold: $0) }
        #expect(w.efficiency >= 0.95)
        let tighter = study.evaluate(.pointCut(threshold: w.thresholdGeV * 1.01), parameter: 0)
        #expect(tighter.efficiency < 0.95 + 0.01)
        let ua = study.workingPoint(efficiency: 0.95, range: 0.001...5) { .uncertaintyAware(threshold: $0, confidence: 0.9) }
        #expect(ua.efficiency >= 0.95 && ua.name == "uncertainty-aware")
    }
}
