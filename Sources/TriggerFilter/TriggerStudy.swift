/// Trigger efficiency against true pT, and data reduction, for policies on a sample with
/// truth: what trigger people read to choose a policy and its working point.
public struct TriggerStudy: Sendable {
    /// One cluster: the estimate from the network and the true signed pT (GeV).
    public struct Entry: Sendable {
        public var estimate: PtEstimate
        public var truePt: Double
        public init(estimate: PtEstimate, truePt: Double) {
            self.estimate = estimate
            self.truePt = truePt
        }
    }

    public let entries: [Entry]
    /// Efficiency is measured on clusters with true |pT| above this (GeV).
    public let signalThreshold: Double

    public init(entries: [Entry], signalThreshold: Double = 0.2) {
        self.entries = entries
        self.signalThreshold = signalThreshold
    }

    /// A policy's figures: efficiency for true |pT| > the signal threshold (with its binomial
    /// error), data reduction (the fraction of all clusters dropped).
    public struct Point: Sendable, Codable, Equatable {
        public var name: String
        public var thresholdGeV: Double
        public var parameter: Double
        public var efficiency: Double
        public var efficiencyError: Double
        public var dataReduction: Double
        enum CodingKeys: String, CodingKey {
            case name, thresholdGeV = "threshold_gev", parameter, efficiency, efficiencyError = "efficiency_error", dataReduction = "data_reduction"
        }
    }

    public func evaluate(_ policy: TriggerPolicy, parameter: Double) -> Point {
        var signal = 0, kept = 0, keptSignal = 0
        for e in entries {
            let keep = policy.decide(e.estimate).keep
            let isSignal = abs(e.truePt) > signalThreshold
            if isSignal { signal += 1 }
            if keep {
                kept += 1
                if isSignal { keptSignal += 1 }
            }
        }
        let eff = signal > 0 ? Double(keptSignal) / Double(signal) : 0
        return Point(
            name: policy.name, thresholdGeV: policy.thresholdGeV, parameter: parameter, efficiency: eff,
            efficiencyError: signal > 0 ? (eff * (1 - eff) / Double(signal)).squareRoot() : 0,
            dataReduction: entries.isEmpty ? 0 : 1 - Double(kept) / Double(entries.count))
    }

    /// The policy family's point closest to `efficiency` from above, by bisection on its
    /// parameter (efficiency falls as the parameter rises) over `range`.
    public func workingPoint(efficiency target: Double, range: ClosedRange<Double>, make: (Double) -> TriggerPolicy) -> Point {
        var lo = range.lowerBound, hi = range.upperBound
        var best = evaluate(make(lo), parameter: lo)
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            let p = evaluate(make(mid), parameter: mid)
            if p.efficiency >= target {
                best = p
                lo = mid
            } else {
                hi = mid
            }
        }
        return best
    }

    /// Efficiency against true |pT| in bins (turn-on curve): (low, high, efficiency, error, clusters).
    public func turnOn(_ policy: TriggerPolicy, edges: [Double]) -> [(low: Double, high: Double, efficiency: Double, error: Double, count: Int)] {
        zip(edges, edges.dropFirst()).map { lo, hi in
            var n = 0, k = 0
            for e in entries where abs(e.truePt) >= lo && abs(e.truePt) < hi {
                n += 1
                if policy.decide(e.estimate).keep { k += 1 }
            }
            let eff = n > 0 ? Double(k) / Double(n) : 0
            return (lo, hi, eff, n > 0 ? (eff * (1 - eff) / Double(n)).squareRoot() : 0, n)
        }
    }
}
