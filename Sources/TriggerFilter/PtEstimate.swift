import Foundation
import ReadoutProtocol

/// A cluster's transverse momentum from the network's prediction (physics.md, "Track
/// kinematics on a barrel layer"): the track's bend is the difference between its direction
/// in the bending plane (atan cotBeta) and the direction from the beam line to the hit
/// (atan(y0 / h)), so pT follows from the predicted cotBeta and the hit's module coordinate
/// y0 = y-local (the frame's, in mm) + the predicted y within the region (um).
///
/// Its uncertainty is propagated to first order from the predicted covariance of (y,
/// cotBeta): sigma_pT^2 = (dpT/dcotBeta)^2 var(cotBeta) + (dpT/dy0)^2 var(y0)
/// + 2 (dpT/dcotBeta)(dpT/dy0) cov(cotBeta, y0). x and cotAlpha do not enter (the bend is in
/// y). y enters through y0: on a 30 mm layer a micrometre moves atan(y0/h) by 3.3e-5, small
/// beside cotBeta's sigma of about 0.08 but not beside the 0.002 of the best-measured
/// clusters, and its correlation with cotBeta has the opposite sign in the bend.
public struct PtEstimate: Sendable, Equatable {
    /// Signed pT, GeV (the sign is the charge's: the direction of the bend).
    public var pt: Double
    /// One standard deviation, GeV.
    public var sigma: Double
    /// The predicted cotBeta and its standard deviation (what the policies use).
    public var cotBeta: Double
    public var cotBetaSigma: Double
    /// The hit's module coordinate, mm.
    public var y0: Double

    public init(pt: Double, sigma: Double, cotBeta: Double, cotBetaSigma: Double, y0: Double) {
        self.pt = pt
        self.sigma = sigma
        self.cotBeta = cotBeta
        self.cotBetaSigma = cotBetaSigma
        self.y0 = y0
    }

    /// - Parameters:
    ///   - mean: predicted x (um), y (um), cotAlpha, cotBeta.
    ///   - covariance: their 4 x 4 covariance, row-major, physical units.
    ///   - yLocal: the region's module coordinate, mm (travels with the frame).
    public init(mean: [Double], covariance c: [Double], yLocal: Double, kinematics k: BarrelKinematics = BarrelKinematics()) {
        let y0 = yLocal + mean[1] / 1000
        let cotBeta = mean[3]
        let pt = k.pt(cotBeta: cotBeta, y0: y0)
        // Derivatives by central differences of the exact inverse (smooth away from pT = infinity).
        let hb = 1e-6, hy = 1e-4
        let dB = (k.pt(cotBeta: cotBeta + hb, y0: y0) - k.pt(cotBeta: cotBeta - hb, y0: y0)) / (2 * hb)
        let dY = (k.pt(cotBeta: cotBeta, y0: y0 + hy) - k.pt(cotBeta: cotBeta, y0: y0 - hy)) / (2 * hy)
        let varB = c[15], varY = c[5] / 1e6, covBY = c[13] / 1e3  // y in mm
        let variance = dB * dB * varB + dY * dY * varY + 2 * dB * dY * covBY
        self.init(pt: pt, sigma: max(variance, 0).squareRoot(), cotBeta: cotBeta, cotBetaSigma: varB.squareRoot(), y0: y0)
    }

    /// The cotBeta interval of tracks with |pT| above `threshold` at this hit: between the
    /// cotBeta of a positive and of a negative track of exactly `threshold` (straight tracks,
    /// |pT| -> infinity, sit at atan(y0 / h) in between).
    /// Below the curvature that reaches the hit (2R < r) every track that can make it is
    /// above the threshold: the window is then the whole line.
    public static func cotBetaWindow(threshold: Double, y0: Double, kinematics k: BarrelKinematics = BarrelKinematics()) -> ClosedRange<Double> {
        let a = k.cotBeta(pt: threshold, y0: y0), b = k.cotBeta(pt: -threshold, y0: y0)
        guard a.isFinite, b.isFinite else { return -Double.infinity...Double.infinity }
        return min(a, b)...max(a, b)
    }

    /// P(|pT| > threshold) under the predicted Gaussian in cotBeta, in closed form:
    /// Phi((hi - mu) / sigma) - Phi((lo - mu) / sigma) over the cotBeta window.
    public func probabilityAbove(_ threshold: Double, kinematics k: BarrelKinematics = BarrelKinematics()) -> Double {
        let w = Self.cotBetaWindow(threshold: threshold, y0: y0, kinematics: k)
        guard cotBetaSigma > 0 else { return w.contains(cotBeta) ? 1 : 0 }
        return max(0, normalCDF((w.upperBound - cotBeta) / cotBetaSigma) - normalCDF((w.lowerBound - cotBeta) / cotBetaSigma))
    }
}

/// The standard normal distribution function.
@inline(__always)
func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
