import Foundation
import Randomness

/// Energy loss in thin silicon, collision by collision (docs/physics.md): a calibrated
/// two-component model of the collision spectrum. Distant collisions (valence and plasmon
/// excitations) occur `resonantRate` times per micrometre with gamma-distributed energy;
/// close collisions on free electrons follow Rutherford's 1/E^2 above `rutherfordLowEdge`
/// up to the kinematic maximum, with the Bethe coefficient K/2 (Z/A) rho / beta^2. Summing
/// hundreds of such collisions reproduces the Landau/Vavilov shape of thin layers, and
/// transfers above `deltaRayThreshold` become delta electrons with a range of their own.
public struct CollisionSpectrum: Sendable, Equatable {
    /// Distant collisions per micrometre at beta = 1.
    public var resonantRate: Double = 3.68
    /// Mean and shape (mean^2 / variance) of the distant-collision energy, eV.
    public var resonantMean: Double = 55
    public var resonantShape: Double = 7.5
    /// Lower edge of the Rutherford part, eV.
    public var rutherfordLowEdge: Double = 150
    /// K/2 (Z/A) rho for silicon: 0.1535 MeV cm^2/g x 0.4985 x 2.329 g/cm^3 = 17.82 eV/um.
    public var rutherfordCoefficient: Double = 17.82
    /// Transfers above this (eV) are followed as delta electrons.
    public var deltaRayThreshold: Double = 10_000
    /// Mean energy per electron-hole pair (eV) and Fano factor.
    public var pairEnergy: Double = 3.64
    public var fano: Double = 0.115

    public init() {}

    public static let electronMass = 0.510_999e6  // eV

    /// Largest energy transfer to a free electron (eV) for a particle of momentum p and mass
    /// m (GeV): 2 m_e c^2 b^2 g^2 / (1 + 2 g m_e / M + (m_e / M)^2).
    public static func maximumTransfer(momentum p: Double, mass: Double) -> Double {
        let bg = p / mass, g = (1 + bg * bg).squareRoot(), r = electronMass / (mass * 1e9)
        return 2 * electronMass * bg * bg / (1 + 2 * g * r + r * r)
    }

    /// Energy (eV) lost in `length` micrometres by distant collisions and close collisions
    /// below the delta-ray threshold; close collisions above it are appended to `deltas`.
    @inline(__always)
    public func sampleSegment(
        length: Double, inverseBeta2: Double, maximumTransfer: Double, rng: inout some RandomNumberGenerator, deltas: inout [Double]
    ) -> Double {
        let distant = rng.poisson(mean: resonantRate * inverseBeta2 * length)
        var energy = distant == 0 ? 0 : rng.gamma(shape: resonantShape * Double(distant)) * resonantMean / resonantShape
        let top = max(maximumTransfer, rutherfordLowEdge)
        let close = rng.poisson(mean: rutherfordCoefficient * inverseBeta2 * (1 / rutherfordLowEdge - 1 / top) * length)
        for _ in 0..<close {
            // Inverse of the 1/E^2 distribution between the low edge and the maximum.
            let e = 1 / (1 / rutherfordLowEdge - rng.uniform() * (1 / rutherfordLowEdge - 1 / top))
            if e > deltaRayThreshold { deltas.append(e) } else { energy += e }
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
