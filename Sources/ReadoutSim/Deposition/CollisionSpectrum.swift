import Foundation
import Randomness

/// Energy loss in thin silicon, collision by collision (docs/physics.md): the number of
/// collisions in a segment is Poisson with Bichsel's 3.83 per micrometre for fast particles,
/// each transfer drawn from Bichsel's silicon spectrum (`BichselSilicon`: plasmon, L and K
/// shells, Rutherford's 1/E^2 at high energy) as PixelAV draws it. Other velocities: soft
/// collisions follow the most probable loss (with the density effect), hard ones 1/beta^2.
/// Summing hundreds of collisions gives the straggling of thin layers, broader than
/// Landau's; transfers above `deltaRayThreshold` become delta electrons with a range of
/// their own.
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

    /// Collisions per micrometre at the table's velocity (transfers up to 1 MeV; a rare
    /// free-electron tail above).
    public static var collisionRate: Double { BichselSilicon.collisionRate }

    /// Collision rates for one particle. Soft collisions (up to the delta-ray threshold) carry
    /// the velocity dependence of the most probable loss (`softScale`); hard ones are
    /// collisions with nearly free electrons and scale exactly as 1/beta^2.
    public struct Rates: Sendable {
        /// Soft and hard collisions per micrometre (hard: threshold to the table's top).
        public var soft: Double, hard: Double
        /// The share of the table's collisions below the threshold.
        public var softShare: Double
        /// Free-electron tail above the table per micrometre, and the kinematic maximum (eV).
        public var tail: Double, maximumTransfer: Double
    }

    /// The rates for a particle of momentum `momentum` and mass `mass` (GeV) crossing
    /// `pathLength` micrometres of silicon.
    public func rates(momentum: Double, mass: Double, pathLength: Double) -> Rates {
        let bg = momentum / mass, beta2 = Self.beta2(betaGamma: bg)
        let tmax = Self.maximumTransfer(momentum: momentum, mass: mass)
        let n = BichselSilicon.collisionRate
        let share = BichselSilicon.share(below: deltaRayThreshold)
        let hardScale = BichselSilicon.beta2 / beta2
        let top = BichselSilicon.top
        return Rates(
            soft: n * share * Self.softScale(betaGamma: bg, pathLength: pathLength), hard: n * (1 - share) * hardScale, softShare: share,
            tail: tmax > top ? BichselSilicon.rutherford / beta2 * (1 / top - 1 / tmax) : 0, maximumTransfer: tmax)
    }

    /// Energy (eV) lost in `length` micrometres in collisions below the delta-ray threshold;
    /// transfers above it are appended to `deltas`. Transfers above the kinematic maximum
    /// (slow particles only) are not made.
    @inline(__always)
    public func sampleSegment(length: Double, rates: Rates, rng: inout some RandomNumberGenerator, deltas: inout [Double]) -> Double {
        var energy = 0.0
        let soft = rng.poisson(mean: rates.soft * length), hard = rng.poisson(mean: rates.hard * length)
        BichselSilicon.inverseQuantiles.withUnsafeBufferPointer { q in
            let scale = Double(BichselSilicon.quantileCount)
            @inline(__always) func transfer(_ u: Double) -> Double {
                let i = min(Int(u), BichselSilicon.quantileCount - 1)
                return 1 / (q[i] + (q[i + 1] - q[i]) * (u - Double(i)))
            }
            for _ in 0..<soft { energy += min(transfer(rng.uniform() * rates.softShare * scale), deltaRayThreshold) }
            for _ in 0..<hard {
                let e = transfer((rates.softShare + rng.uniform() * (1 - rates.softShare)) * scale)
                if e <= rates.maximumTransfer { deltas.append(e) }
            }
        }
        // Free-electron 1/E^2 above the table, up to the kinematic maximum.
        let a = BichselSilicon.top, b = rates.maximumTransfer
        if rates.tail > 0 {
            for _ in 0..<rng.poisson(mean: rates.tail * length) { deltas.append(1 / (1 / a - rng.uniform() * (1 / a - 1 / b))) }
        }
        return energy
    }

    // MARK: Velocity dependence

    /// beta^2 of a particle of `bg` = beta gamma.
    static func beta2(betaGamma bg: Double) -> Double { bg * bg / (1 + bg * bg) }

    /// The most probable energy loss (eV) in `thickness` micrometres of silicon (Landau-Vavilov
    /// with Bichsel's j, PDG Review "Passage of particles through matter", eq. 34.12):
    /// xi [ln(2 m c^2 beta^2 gamma^2 / I) + ln(xi / I) + 0.200 - beta^2 - delta], with
    /// xi = (K/2)(Z/A) rho x / beta^2, I = 173 eV and Sternheimer's density effect for silicon.
    public static func mostProbableLoss(betaGamma bg: Double, thickness: Double) -> Double {
        let beta2 = beta2(betaGamma: bg)
        let xi = BichselSilicon.rutherford * thickness / beta2
        let i = 173.0
        return xi * (log(2 * electronMass * bg * bg / i) + log(xi / i) + 0.2 - beta2 - densityEffect(betaGamma: bg))
    }

    /// Sternheimer's density-effect correction for silicon (C = 4.4351, x0 = 0.2014,
    /// x1 = 2.8715, a = 0.14921, k = 3.2546, delta0 = 0.14).
    static func densityEffect(betaGamma bg: Double) -> Double {
        let x = log10(bg), twoLn10 = 2 * log(10.0)
        if x >= 2.8715 { return twoLn10 * x - 4.4351 }
        if x >= 0.2014 { return twoLn10 * x - 4.4351 + 0.14921 * pow(2.8715 - x, 3.2546) }
        return 0.14 * pow(10, 2 * (x - 0.2014))
    }

    /// The factor on the soft collisions' rate that gives a particle of `bg` the most probable
    /// loss of the formula above, relative to the table's velocity: with the rate scaled by k
    /// the Landau width scales by k and the most probable loss by k (L + ln k), where
    /// L = loss / xi at the table's velocity.
    static func softScale(betaGamma bg: Double, pathLength: Double) -> Double {
        let reference = mostProbableLoss(betaGamma: BichselSilicon.betaGamma, thickness: pathLength)
        let xiReference = BichselSilicon.rutherford * pathLength / BichselSilicon.beta2
        let l = reference / xiReference, target = mostProbableLoss(betaGamma: bg, thickness: pathLength) / xiReference
        var k = target / l
        for _ in 0..<4 { k = target / (l + log(k)) }
        return k
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
