import Foundation
import Randomness

/// Energy loss in thin silicon, collision by collision (docs/physics.md): the number of
/// collisions in a segment is Poisson with Bichsel's 3.83 per micrometre (times 1/beta^2),
/// each transfer drawn from Bichsel's silicon spectrum (`BichselSilicon`: plasmon, L and K
/// shells, Rutherford's 1/E^2 at high energy) as PixelAV draws it. Summing hundreds of
/// collisions gives the straggling of thin layers, broader than Landau's; transfers above
/// `deltaRayThreshold` become delta electrons with a range of their own.
public struct CollisionSpectrum: Sendable, Equatable {
    /// Transfers above this (eV) are followed as delta electrons.
    public var deltaRayThreshold: Double = 10_000
    /// Mean energy per electron-hole pair (eV; PixelAV's value) and Fano factor.
    public var pairEnergy: Double = 3.68
    public var fano: Double = 0.115

    public init() {}

    public static let electronMass = 0.510_999e6  // eV

    /// Largest energy transfer to a free electron (eV) for a particle of momentum p and mass
    /// m (GeV): 2 m_e c^2 b^2 g^2 / (1 + 2 g m_e / M + (m_e / M)^2).
    public static func maximumTransfer(momentum p: Double, mass: Double) -> Double {
        let bg = p / mass, g = (1 + bg * bg).squareRoot(), r = electronMass / (mass * 1e9)
        return 2 * electronMass * bg * bg / (1 + 2 * g * r + r * r)
    }

    /// Collisions per micrometre at beta = 1 (transfers up to 1 MeV; a rare free-electron
    /// tail above).
    public static var collisionRate: Double { BichselSilicon.collisionRate }

    /// Energy (eV) lost in `length` micrometres in collisions below the delta-ray threshold;
    /// transfers above it are appended to `deltas`. Transfers above the kinematic maximum
    /// (slow particles only) are not made.
    @inline(__always)
    public func sampleSegment(
        length: Double, inverseBeta2: Double, maximumTransfer: Double, rng: inout some RandomNumberGenerator, deltas: inout [Double]
    ) -> Double {
        var energy = 0.0
        let n = rng.poisson(mean: BichselSilicon.collisionRate * inverseBeta2 * length)
        BichselSilicon.inverseQuantiles.withUnsafeBufferPointer { q in
            let scale = Double(BichselSilicon.quantileCount)
            for _ in 0..<n {
                let u = rng.uniform() * scale
                let i = Int(u)
                let e = 1 / (q[i] + (q[i + 1] - q[i]) * (u - Double(i)))
                if e > deltaRayThreshold {
                    if e <= maximumTransfer { deltas.append(e) }
                } else {
                    energy += e
                }
            }
        }
        // Free-electron 1/E^2 above the table, up to the kinematic maximum.
        let a = BichselSilicon.top, b = maximumTransfer
        if b > a {
            let tail = rng.poisson(mean: BichselSilicon.rutherford * inverseBeta2 * (1 / a - 1 / b) * length)
            for _ in 0..<tail { deltas.append(1 / (1 / a - rng.uniform() * (1 / a - 1 / b))) }
        }
        return energy
    }

    /// Electron-hole pairs from `energy` eV: mean E / w with Fano-reduced Gaussian spread.
    @inline(__always)
    public func pairs(energy: Double, rng: inout some RandomNumberGenerator) -> Double {
        guard energy > 0 else { return 0 }
        let mean = energy / pairEnergy
        let n = mean + (fano * mean).squareRoot() * rng.gaussian()
        return n <= 0 ? 0 : Double(Int(n + 0.5))  // nearest integer, without a libm call
    }

    /// Practical range of an electron of kinetic energy `energy` eV in silicon, micrometres
    /// (Katz and Penfold 1952: R = 412 T^(1.265 - 0.0954 ln T) mg/cm^2, T in MeV).
    public static func electronRange(energy: Double) -> Double {
        let t = energy * 1e-6
        let mgPerCm2 = 412 * pow(t, 1.265 - 0.0954 * log(t))
        return mgPerCm2 * 1e-3 / 2.329 * 1e4
    }
}
