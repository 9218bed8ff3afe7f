import Foundation

/// Track kinematics on a barrel layer (physics.md): a track of transverse momentum pT and
/// charge q crossing the layer at radius h and module coordinate y0 (bending direction).
public struct BarrelKinematics: Sendable, Equatable {
    /// Layer radius, millimetres.
    public var radius: Double
    /// Magnetic field, tesla.
    public var field: Double

    public init(radius: Double = 30, field: Double = 3.8) {
        self.radius = radius
        self.field = field
    }

    /// Radius of curvature in millimetres: R[m] = pT[GeV] / (0.2998 B[T]).
    public func curvatureRadius(pt: Double) -> Double { Self.curvatureRadius(pt: pt, field: field) }

    /// The same for any field (the end-cap tracks use it too).
    public static func curvatureRadius(pt: Double, field: Double) -> Double { abs(pt) / (0.299_792_458 * field) * 1000 }

    /// cotBeta = tan(atan(y0/h) - q asin(r / 2R)), r = sqrt(h^2 + y0^2); `pt` signed with q.
    public func cotBeta(pt: Double, y0: Double) -> Double {
        let r = (radius * radius + y0 * y0).squareRoot()
        let q: Double = pt < 0 ? -1 : 1
        return tan(atan(y0 / radius) - q * asin(r / (2 * curvatureRadius(pt: pt))))
    }

    /// The curvature term of the small-angle form, cotBeta - y0/h ~ -q k / pT, with
    /// k = 0.2998 B h / 2 (GeV; 0.0171 at 3.8 T and 30 mm).
    public var curvatureConstant: Double { 0.299_792_458 * field * radius / 1000 / 2 }

    /// |pT| ~ k / |cotBeta - y0/h| (GeV): the small-angle inversion, within about 11 % at
    /// the module's edge (|y0| = 8.1 mm), where sec^2 of the track angle and r/h grow.
    public func ptSmallAngle(cotBeta: Double, y0: Double) -> Double {
        curvatureConstant / abs(cotBeta - y0 / radius)
    }

    /// The exact inverse of `cotBeta(pt:y0:)`: signed pT in GeV.
    public func pt(cotBeta: Double, y0: Double) -> Double {
        let bend = atan(y0 / radius) - atan(cotBeta)  // = q asin(r / 2R)
        let r = (radius * radius + y0 * y0).squareRoot()
        let magnitude = 0.299_792_458 * field * r / (2 * sin(abs(bend))) / 1000
        return bend < 0 ? -magnitude : magnitude
    }
}
