import Foundation
import Randomness

/// Charge packets: electron-hole pairs created at a point, the unit the drift and induction
/// stages work on. Stored as columns and reused between clusters.
public struct ChargePackets: Sendable {
    public var x: [Double] = [], y: [Double] = [], z: [Double] = [], pairs: [Double] = []

    public init() {}

    public var count: Int { x.count }
    public var totalPairs: Double { pairs.reduce(0, +) }

    public mutating func removeAll() {
        x.removeAll(keepingCapacity: true)
        y.removeAll(keepingCapacity: true)
        z.removeAll(keepingCapacity: true)
        pairs.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func append(x: Double, y: Double, z: Double, pairs: Double) {
        guard pairs > 0 else { return }
        self.x.append(x)
        self.y.append(y)
        self.z.append(z)
        self.pairs.append(pairs)
    }
}

/// Deposition stage: the track is cut into segments short enough that their charge can be
/// treated as a point (2 um of depth, a tenth of the x pitch, a fifth of the y pitch); each
/// segment's energy comes from the collision spectrum, converted to pairs with Fano
/// statistics. Delta electrons leave in the direction fixed by two-body kinematics and
/// spread their energy evenly along their practical range; what leaves the sensor is lost.
public struct ChargeDeposition: Sendable {
    public var spectrum: CollisionSpectrum
    public let thickness: Double, pitchX: Double, pitchY: Double

    public init(geometry: SensorGeometry, spectrum: CollisionSpectrum = .init()) {
        self.spectrum = spectrum
        thickness = geometry.thickness
        pitchX = geometry.pitchX
        pitchY = geometry.pitchY
    }

    public func deposit(_ track: Track, into packets: inout ChargePackets, deltas: inout [Double], rng: inout some RandomNumberGenerator) {
        packets.removeAll()
        let d = thickness
        let spanX = abs(track.cotAlpha) * d, spanY = abs(track.cotBeta) * d
        let segments = max(Int((d / 4).rounded(.up)), Int((spanX / (pitchX / 10)).rounded(.up)), Int((spanY / (pitchY / 5)).rounded(.up)))
        let pathLength = d * (1 + track.cotAlpha * track.cotAlpha + track.cotBeta * track.cotBeta).squareRoot()
        let step = pathLength / Double(segments)
        let rates = spectrum.rates(momentum: track.momentum, mass: track.mass, pathLength: pathLength)
        let tmax = rates.maximumTransfer
        for s in 0..<segments {
            deltas.removeAll(keepingCapacity: true)
            let energy = spectrum.sampleSegment(length: step, rates: rates, rng: &rng, deltas: &deltas)
            let z = d * (Double(segments - s) - 0.5) / Double(segments)
            let p = track.position(atDepth: z, thickness: d)
            packets.append(x: p.x, y: p.y, z: z, pairs: spectrum.pairs(energy: energy, rng: &rng))
            for t in deltas {
                // The delta starts somewhere in the segment.
                let zStart = d * (Double(segments - s) - rng.uniform()) / Double(segments)
                let start = track.position(atDepth: zStart, thickness: d)
                deltaRay(energy: t, maximumTransfer: tmax, track: track, from: (start.x, start.y, zStart), into: &packets, rng: &rng)
            }
        }
    }

    /// A delta electron of kinetic energy `energy` (eV): polar angle to the track from
    /// cos^2 = T (Tmax + 2m) / (Tmax (T + 2m)), uniform azimuth, straight path of the
    /// practical range with the energy spread evenly over 1-um pieces.
    func deltaRay(
        energy: Double, maximumTransfer tmax: Double, track: Track, from start: (x: Double, y: Double, z: Double),
        into packets: inout ChargePackets, rng: inout some RandomNumberGenerator
    ) {
        let m2 = 2 * CollisionSpectrum.electronMass
        let cosTheta = min(1, (energy * (tmax + m2) / (tmax * (energy + m2))).squareRoot())
        let sinTheta = (1 - cosTheta * cosTheta).squareRoot()
        let phi = 2 * Double.pi * rng.uniform()
        let n = track.direction
        // Two unit vectors perpendicular to the track direction.
        let a: (Double, Double, Double) = abs(n.x) < 0.9 ? (1, 0, 0) : (0, 1, 0)
        var u = (n.y * a.2 - n.z * a.1, n.z * a.0 - n.x * a.2, n.x * a.1 - n.y * a.0)
        let un = (u.0 * u.0 + u.1 * u.1 + u.2 * u.2).squareRoot()
        u = (u.0 / un, u.1 / un, u.2 / un)
        let v = (n.y * u.2 - n.z * u.1, n.z * u.0 - n.x * u.2, n.x * u.1 - n.y * u.0)
        let c = cosTheta, sc = sinTheta * cos(phi), ss = sinTheta * sin(phi)
        let dir = (c * n.x + sc * u.0 + ss * v.0, c * n.y + sc * u.1 + ss * v.1, c * n.z + sc * u.2 + ss * v.2)
        let range = CollisionSpectrum.electronRange(energy: energy)
        let pieces = min(max(Int(range.rounded(.up)), 1), 400)
        let piece = range / Double(pieces)
        let energyPerPiece = energy / Double(pieces)
        for i in 0..<pieces {
            let l = (Double(i) + 0.5) * piece
            let z = start.z + l * dir.2
            guard z >= 0 && z <= thickness else { break }  // left the sensor: the rest is lost
            packets.append(x: start.x + l * dir.0, y: start.y + l * dir.1, z: z, pairs: spectrum.pairs(energy: energyPerPiece, rng: &rng))
        }
    }
}
