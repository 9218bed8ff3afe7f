import Foundation
import Randomness
import ReadoutProtocol

/// Where tracks come from: a barrel or end-cap layer with a pT spectrum, a fixed-angle gun, or
/// a PixelAV-style track list. The hit is drawn uniformly over the central 3 x 3 pixels (as
/// the Smart Pixels datasets do) unless the source fixes it.
public protocol TrackSource: Sendable {
    /// The next track, or nil when the source is exhausted (track lists).
    mutating func next(_ rng: inout SplitMix64) -> Track?
}

extension SensorGeometry {
    /// A mid-plane position uniform over the central 3 x 3 pixels, micrometres.
    func centralHit(_ rng: inout SplitMix64) -> (x: Double, y: Double) {
        ((rng.uniform() - 0.5) * 3 * pitchX, (rng.uniform() - 0.5) * 3 * pitchY)
    }
}

/// Tracks from the origin crossing a barrel layer (physics.md): radius 30 mm in 3.8 T, module
/// y uniform over -8.1 ... 8.1 mm, pseudorapidity uniform in +-etaMax, charge +-1 with equal
/// probability, pT from the spectrum. cotBeta = tan(atan(y0/h) - q asin(r/2R)),
/// cotAlpha = sinh(eta). Tracks too soft to reach the layer (r > 2R) are drawn again.
public struct BarrelTracks: TrackSource {
    public var kinematics = BarrelKinematics()
    public var spectrum: PtSpectrum
    public var moduleHalfWidth = 8.1
    public var etaMax = 2.5
    public let geometry: SensorGeometry
    let table: PtTable?

    public init(spectrum: PtSpectrum = .minimumBias(), geometry: SensorGeometry = .smartPixelsDefault) {
        self.spectrum = spectrum
        self.geometry = geometry
        table = spectrum.makeTable()
    }

    public mutating func next(_ rng: inout SplitMix64) -> Track? {
        while true {
            let pt = spectrum.sample(&rng, table: table)
            let q: Double = rng.uniform() < 0.5 ? -1 : 1
            let y0 = (2 * rng.uniform() - 1) * moduleHalfWidth
            let eta = (2 * rng.uniform() - 1) * etaMax
            let h = kinematics.radius
            let r = (h * h + y0 * y0).squareRoot()
            let sine = r / (2 * kinematics.curvatureRadius(pt: pt))  // sin of the bending angle
            guard pt > 0, sine < 1 else { continue }
            let hit = geometry.centralHit(&rng)
            // tan(atan(a) - q asin(s)) = (a - b) / (1 + a b) with b = q s / sqrt(1 - s^2): the
            // kinematics of physics.md with one square root instead of three trigonometric calls.
            let a = y0 / h, b = q * sine / (1 - sine * sine).squareRoot()
            let e = exp(eta)
            let sinhEta = (e - 1 / e) / 2, coshEta = (e + 1 / e) / 2
            return Track(
                cotAlpha: sinhEta, cotBeta: (a - b) / (1 + a * b), xMidplane: hit.x, yMidplane: hit.y,
                momentum: pt * coshEta, charge: q, pt: q * pt, yModule: y0, xModule: h * sinhEta)
        }
    }
}

/// Tracks from the origin crossing an end-cap disk at |z| = `diskZ` mm between `radii` mm.
/// Local frame: x radial, y along phi (bending), z along the beam (the sensor normal). The
/// field is parallel to the drift there, so the sensor should be simulated without Lorentz
/// drift (`SensorConditions.magneticField = 0`); the bending still uses `field`.
/// cotAlpha = r / z, cotBeta = q tan(asin(r / 2R)) r / z.
public struct EndcapTracks: TrackSource {
    public var spectrum: PtSpectrum
    public var diskZ = 300.0
    public var radii: ClosedRange<Double> = 30...160
    public var field = 3.8
    public let geometry: SensorGeometry
    let table: PtTable?

    public init(spectrum: PtSpectrum = .minimumBias(), geometry: SensorGeometry = .smartPixelsDefault) {
        self.spectrum = spectrum
        self.geometry = geometry
        table = spectrum.makeTable()
    }

    public mutating func next(_ rng: inout SplitMix64) -> Track? {
        while true {
            let pt = spectrum.sample(&rng, table: table)
            let q: Double = rng.uniform() < 0.5 ? -1 : 1
            // Uniform over the disk's area.
            let r = (radii.lowerBound * radii.lowerBound + rng.uniform() * (radii.upperBound * radii.upperBound - radii.lowerBound * radii.lowerBound))
                .squareRoot()
            let curvature = BarrelKinematics.curvatureRadius(pt: pt, field: field)
            guard pt > 0, r < 2 * curvature else { continue }
            let tanTheta = r / diskZ
            let hit = geometry.centralHit(&rng)
            let p = pt * (1 + 1 / (tanTheta * tanTheta)).squareRoot()
            return Track(
                cotAlpha: tanTheta, cotBeta: q * tan(asin(r / (2 * curvature))) * tanTheta, xMidplane: hit.x, yMidplane: hit.y,
                momentum: p, charge: q, pt: q * pt, yModule: 0, xModule: r)
        }
    }
}

/// A fixed-angle gun: every track with the same angles and momentum.
public struct FixedAngleGun: TrackSource {
    public var cotAlpha: Double, cotBeta: Double, momentum: Double, charge: Double
    public let geometry: SensorGeometry

    public init(cotAlpha: Double, cotBeta: Double, momentum: Double = 10, charge: Double = 1, geometry: SensorGeometry = .smartPixelsDefault) {
        self.cotAlpha = cotAlpha
        self.cotBeta = cotBeta
        self.momentum = momentum
        self.charge = charge
        self.geometry = geometry
    }

    public mutating func next(_ rng: inout SplitMix64) -> Track? {
        let hit = geometry.centralHit(&rng)
        return Track(cotAlpha: cotAlpha, cotBeta: cotBeta, xMidplane: hit.x, yMidplane: hit.y, momentum: momentum, charge: charge)
    }
}
