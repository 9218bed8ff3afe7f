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
        self.init(y: mean[1], cotBeta: mean[3], varY: c[5], varCotBeta: c[15], covYCotBeta: c[13], yLocal: yLocal, kinematics: k)
    }

    /// The same from the (y, cotBeta) block alone (y in um), with the derivatives in closed
    /// form: pT = C r / (2 sin b), b = atan(y0 / h) - atan(cotBeta), r = sqrt(h^2 + y0^2),
    /// C = 0.2998 B / 1000 GeV/mm, so dpT/db = -(C r / 2) cos b / sin^2 b,
    /// db/dcotBeta = -1 / (1 + cotBeta^2), db/dy0 = h / r^2, and r adds pT y0 / r^2.
    @inline(__always)
    public init(
        y: Double, cotBeta: Double, varY: Double, varCotBeta: Double, covYCotBeta: Double, yLocal: Double, kinematics k: BarrelKinematics = BarrelKinematics()
    ) {
        let h = k.radius, y0 = yLocal + y / 1000
        let r2 = h * h + y0 * y0, r = r2.squareRoot()
        let b = atan(y0 / h) - atan(cotBeta)
        let sinB = sin(b), cosB = cos(b)
        let half = 0.299_792_458 * k.field / 1000 * r / 2
        let pt = half / sinB  // signed as the bend (atan form of BarrelKinematics.pt)
        let dPtdB = -half * cosB / (sinB * sinB)
        let dB = -dPtdB / (1 + cotBeta * cotBeta)
        let dY = (dPtdB * h / r2 + pt * y0 / r2) / 1000  // per um of y
        let variance = dB * dB * varCotBeta + dY * dY * varY + 2 * dB * dY * covYCotBeta
        self.init(pt: pt, sigma: max(variance, 0).squareRoot(), cotBeta: cotBeta, cotBetaSigma: max(varCotBeta, 0).squareRoot(), y0: y0)
    }

    /// The cotBeta interval of tracks with |pT| above `threshold` at this hit: between the
    /// cotBeta of a positive and of a negative track of exactly `threshold` (straight tracks,
    /// |pT| -> infinity, sit at atan(y0 / h) in between).
    /// Below the curvature that reaches the hit (2R < r) every track that can make it is
    /// above the threshold: the window is then the whole line.
    /// Algebraic, as `BarrelTracks` draws tracks: tan(atan(a) -+ asin(s)) = (a -+ t) / (1 +- a t)
    /// with a = y0 / h, s = r / 2R, t = s / sqrt(1 - s^2).
    @inline(__always)
    public static func cotBetaWindow(threshold: Double, y0: Double, kinematics k: BarrelKinematics = BarrelKinematics()) -> ClosedRange<Double> {
        let r = (k.radius * k.radius + y0 * y0).squareRoot()
        let s = r / (2 * k.curvatureRadius(pt: threshold))
        guard s < 1 else { return -Double.infinity...Double.infinity }
        let a = y0 / k.radius, t = s / (1 - s * s).squareRoot()
        let positive = (a - t) / (1 + a * t), negative = (a + t) / (1 - a * t)
        return min(positive, negative)...max(positive, negative)
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
