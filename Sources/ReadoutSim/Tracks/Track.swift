/// A charged particle crossing the sensor region, in the array's local frame (architecture.md):
/// x along the beam, y the bending direction, z the depth from the back (the particle enters
/// at z = thickness and leaves at z = 0). The mid-plane position is relative to the centre of
/// the 13 x 21 array.
public struct Track: Sendable, Equatable {
    /// Direction: cotAlpha = n_x / n_z, cotBeta = n_y / n_z.
    public var cotAlpha: Double
    public var cotBeta: Double
    /// Position at half thickness relative to the array centre, micrometres.
    public var xMidplane: Double
    public var yMidplane: Double
    /// Momentum in GeV and charge sign (+1 or -1).
    public var momentum: Double
    public var charge: Double
    /// Signed transverse momentum (GeV) and the hit's module coordinates (mm): y (bending
    /// direction, the y-local truth label) and x (along the beam on a barrel layer).
    public var pt: Double
    public var yModule: Double
    public var xModule: Double
    /// Rest mass in GeV (charged pion by default).
    public var mass: Double
    /// A flipped module is the unflipped one turned over about x: its Lorentz drift goes to
    /// +y in the local frame.
    public var flipped: Bool

    public static let pionMass = 0.139_570

    public init(
        cotAlpha: Double, cotBeta: Double, xMidplane: Double = 0, yMidplane: Double = 0,
        momentum: Double = 10, charge: Double = 1, pt: Double? = nil, yModule: Double = 0, xModule: Double = 0, mass: Double = Track.pionMass,
        flipped: Bool = false
    ) {
        self.cotAlpha = cotAlpha
        self.cotBeta = cotBeta
        self.xMidplane = xMidplane
        self.yMidplane = yMidplane
        self.momentum = momentum
        self.charge = charge
        self.pt = pt ?? charge * momentum
        self.yModule = yModule
        self.xModule = xModule
        self.mass = mass
        self.flipped = flipped
    }

    /// The same track seen in the mirror y -> -y.
    public var mirroredInY: Track {
        var t = self
        t.cotBeta = -cotBeta
        t.yMidplane = -yMidplane
        return t
    }

    /// Unit direction (n_x, n_y, n_z) with n_z < 0 (travelling from z = thickness to 0).
    public var direction: (x: Double, y: Double, z: Double) {
        let norm = (1 + cotAlpha * cotAlpha + cotBeta * cotBeta).squareRoot()
        return (-cotAlpha / norm, -cotBeta / norm, -1 / norm)
    }

    /// Position where the track is at depth z.
    public func position(atDepth z: Double, thickness: Double) -> (x: Double, y: Double) {
        (xMidplane + (z - thickness / 2) * cotAlpha, yMidplane + (z - thickness / 2) * cotBeta)
    }

    /// beta gamma of the particle.
    public var betaGamma: Double { momentum / mass }
}
