import ReadoutProtocol

/// Decisions straight from the network's 14 raw outputs (architecture.md's order, scaled
/// units) and the frame's y-local: the pT estimate and the policy, with no intermediate
/// allocation, as the trigger stage runs them per cluster.
public struct TriggerDecider: Sendable {
    public let policy: TriggerPolicy
    public let labelScales: [Double]
    public let kinematics: BarrelKinematics

    public init(policy: TriggerPolicy, labelScales: [Double] = [75, 18.75, 8, 0.5], kinematics: BarrelKinematics = BarrelKinematics()) throws(TriggerPolicy
        .Invalid)
    {
        try policy.validate()
        guard labelScales.count == 4, labelScales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw TriggerPolicy.Invalid(description: "label scales \(labelScales): need 4 positive numbers")
        }
        self.policy = policy
        self.labelScales = labelScales
        self.kinematics = kinematics
    }

    /// The estimate from raw outputs `o` (14 values): y and cotBeta means, and from
    /// L = lower-triangular scale matrix (diagonal 1e-9 + max(raw, 0)) the (y, cotBeta) block of
    /// L L^T: var(y) = L21^2 + L22^2, var(cotBeta) = L41^2 + L42^2 + L43^2 + L44^2,
    /// cov(y, cotBeta) = L21 L41 + L22 L42.
    @inline(__always)
    public func estimate(_ o: UnsafeBufferPointer<Float>, yLocal: Float) -> PtEstimate {
        let sy = labelScales[1], sb = labelScales[3]
        let l22 = 1e-9 + max(Double(o[3]), 0), l44 = 1e-9 + max(Double(o[7]), 0)
        let l21 = Double(o[8]), l41 = Double(o[11]), l42 = Double(o[12]), l43 = Double(o[13])
        // Rows of L carry their quantity's scale (covariance scales as s_i s_j).
        let varY = (l21 * l21 + l22 * l22) * sy * sy
        let varB = (l41 * l41 + l42 * l42 + l43 * l43 + l44 * l44) * sb * sb
        let covYB = (l21 * l41 + l22 * l42) * sy * sb
        return PtEstimate(
            y: Double(o[2]) * sy, cotBeta: Double(o[6]) * sb, varY: varY, varCotBeta: varB, covYCotBeta: covYB, yLocal: Double(yLocal), kinematics: kinematics)
    }

    /// Decides every record of a prediction batch; when it carries its frames, the decisions
    /// carry those of the kept records.
    public func decide(_ b: PredictionBatch, frameSequenceOverride: UInt64? = nil) -> DecisionBatch {
        var out = DecisionBatch()
        out.records.reserveCapacity(b.count)
        b.outputs.withUnsafeBufferPointer { all in
            for i in 0..<b.count {
                let o = UnsafeBufferPointer(rebasing: all[(i * PredictionBatch.outputsPerRecord)..<((i + 1) * PredictionBatch.outputsPerRecord)])
                let e = estimate(o, yLocal: b.yLocal[i])
                let (keep, score) = policy.decide(e)
                out.records.append(
                    .init(
                        bunchCrossing: b.bunchCrossings[i], frameSequence: frameSequenceOverride ?? b.frameSequences[i], recordIndex: b.recordIndices[i],
                        keep: keep,
                        pt: Float(e.pt), ptSigma: Float(e.sigma), score: Float(score)))
            }
        }
        if let frames = b.frames { out.keptFrames = frames.subset(out.records.indices.filter { out.records[$0].keep }) }
        return out
    }
}
