import Foundation

/// The most probable energy loss of a particle relative to one at a reference velocity
/// (`CollisionSpectrum.mostProbableLoss`), tabulated on ln(beta gamma) from 0.1 to 10^5 so
/// that a cluster library can rescale every draw's charge without evaluating the formula.
public struct LossScale: Sendable {
    static let lnLow = log(0.1), lnHigh = log(100_000.0), points = 2048
    let values: [Float]
    let inverseStep: Double

    public init(referenceBetaGamma: Double, thickness: Double) {
        let reference = CollisionSpectrum.mostProbableLoss(betaGamma: referenceBetaGamma, thickness: thickness)
        let step = (Self.lnHigh - Self.lnLow) / Double(Self.points - 1)
        inverseStep = 1 / step
        values = (0..<Self.points).map { i in
            Float(CollisionSpectrum.mostProbableLoss(betaGamma: exp(Self.lnLow + Double(i) * step), thickness: thickness) / reference)
        }
    }

    /// The factor for a particle of `betaGamma` (clamped to the tabulated range).
    @inline(__always)
    public func callAsFunction(betaGamma: Double) -> Float {
        let u = min(max((log(betaGamma) - Self.lnLow) * inverseStep, 0), Double(Self.points - 1) - 1e-9)
        let i = Int(u), f = Float(u - Double(i))
        return values[i] + (values[i + 1] - values[i]) * f
    }
}
