import Foundation
import Randomness

/// Energy loss in thin silicon, collision by collision (docs/physics.md): a calibrated
/// three-part model of the collision spectrum. Distant collisions (valence and plasmon
/// excitations) occur `resonantRate` times per micrometre with gamma-distributed energy;
/// close collisions follow 1/E^2 above `closeLowEdge`, enhanced below the K-shell edge
/// (`shellCoefficient`: an effective, calibrated stand-in for the shell structure of
/// Bichsel's spectrum) and with the Bethe coefficient K/2 (Z/A) rho / beta^2 above it, up
/// to the kinematic maximum. Calibrated on PixelAV's clusters (docs/physics.md). Summing
/// hundreds of such collisions reproduces the straggling of thin layers, broader than
/// Landau's, and transfers above `deltaRayThreshold` become delta electrons with a range of
/// their own.
public struct CollisionSpectrum: Sendable, Equatable {
    /// Distant collisions per micrometre at beta = 1.
    public var resonantRate: Double = 3.40
    /// Mean and shape (mean^2 / variance) of the distant-collision energy, eV.
    public var resonantMean: Double = 20
    public var resonantShape: Double = 2
    /// Lower edge of the close collisions, eV.
    public var closeLowEdge: Double = 150
    /// Coefficient of the 1/E^2 close collisions below `shellEdge`, eV/um (calibrated).
    public var shellCoefficient: Double = 70
    /// K-shell binding energy of silicon, eV: above it the free-electron coefficient holds.
    public var shellEdge: Double = 1839
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
        // 1/E^2 between the edges a and b, coefficient k (per um), by its inverse CDF.
        func close(from a: Double, to b: Double, coefficient k: Double) {
            guard b > a else { return }
            let n = rng.poisson(mean: k * inverseBeta2 * (1 / a - 1 / b) * length)
            for _ in 0..<n {
                let e = 1 / (1 / a - rng.uniform() * (1 / a - 1 / b))
                if e > deltaRayThreshold { deltas.append(e) } else { energy += e }
            }
        }
        close(from: closeLowEdge, to: min(shellEdge, maximumTransfer), coefficient: shellCoefficient)
        close(from: max(shellEdge, closeLowEdge), to: maximumTransfer, coefficient: rutherfordCoefficient)
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
