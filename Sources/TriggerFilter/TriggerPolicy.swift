/// How a cluster is kept or dropped from its pT estimate. Every threshold is a parameter.
public enum TriggerPolicy: Sendable, Equatable {
    /// Keep when the estimated |pT| is above `threshold` GeV.
    case pointCut(threshold: Double)
    /// Keep when P(|pT| > threshold), under the predicted Gaussian in cotBeta, is at least
    /// `confidence` (0 < confidence < 1).
    case uncertaintyAware(threshold: Double, confidence: Double)
    /// Keep whatever the estimate when the predicted cotBeta sigma is above `sigmaLimit`;
    /// otherwise the point cut at `threshold`.
    case keepWhenUncertain(threshold: Double, sigmaLimit: Double)
    /// The on-sensor filter's three classes (|pT| > `threshold`, low pT negative, low pT
    /// positive, arXiv 2310.02474 with threshold 0.2 GeV): keeps the high-pT class.
    case onSensorClasses(threshold: Double)

    /// The pT threshold, GeV: tracks above it are what the policy means to keep.
    public var thresholdGeV: Double {
        switch self {
        case .pointCut(let t), .uncertaintyAware(let t, _), .keepWhenUncertain(let t, _), .onSensorClasses(let t): t
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Refuses thresholds that are not positive finite GeV and confidence levels outside (0, 1).
    public func validate() throws(Invalid) {
        let threshold = thresholdGeV
        switch self {
        case .pointCut, .onSensorClasses: break
        case let .uncertaintyAware(_, c):
            guard c > 0, c < 1 else { throw Invalid(description: "confidence level must be in (0, 1), got \(c)") }
        case let .keepWhenUncertain(_, s):
            guard s > 0, s.isFinite else { throw Invalid(description: "sigma limit must be a positive cotBeta, got \(s)") }
        }
        guard threshold > 0, threshold.isFinite else { throw Invalid(description: "pT threshold must be positive GeV, got \(threshold)") }
    }

    /// The on-sensor filter's class of an estimate: 0 high pT, 1 low pT negative, 2 low pT positive.
    public static func onSensorClass(_ e: PtEstimate, threshold: Double) -> Int {
        abs(e.pt) > threshold ? 0 : e.pt < 0 ? 1 : 2
    }

    /// The decision and its score (the probability for the uncertainty-aware policy, the
    /// estimated |pT| otherwise, the class for the on-sensor filter).
    public func decide(_ e: PtEstimate) -> (keep: Bool, score: Double) {
        switch self {
        case .pointCut(let t):
            return (abs(e.pt) > t, abs(e.pt))
        case let .uncertaintyAware(t, c):
            let p = e.probabilityAbove(t)
            return (p >= c, p)
        case let .keepWhenUncertain(t, s):
            return (e.cotBetaSigma > s || abs(e.pt) > t, abs(e.pt))
        case .onSensorClasses(let t):
            let k = Self.onSensorClass(e, threshold: t)
            return (k == 0, Double(k))
        }
    }

    /// A name for reports: point-cut, uncertainty-aware, keep-when-uncertain, on-sensor.
    public var name: String {
        switch self {
        case .pointCut: "point-cut"
        case .uncertaintyAware: "uncertainty-aware"
        case .keepWhenUncertain: "keep-when-uncertain"
        case .onSensorClasses: "on-sensor"
        }
    }
}
