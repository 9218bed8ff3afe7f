import Foundation
import Randomness

/// Transverse-momentum spectra of the Smart Pixels datasets: a minimum-bias-like physical
/// spectrum (dataset "2s") and flat pT (dataset "3s").
public enum PtSpectrum: Sendable, Equatable {
    /// dN/dpT ~ pT (1 + pT / p0)^(-n) (Hagedorn's form, used for charged hadrons in
    /// minimum-bias collisions; p0 = 1.3 GeV, n = 8.0 give a mean pT near 0.5 GeV), between
    /// the bounds in GeV.
    case minimumBias(p0: Double = 1.3, n: Double = 8.0, range: ClosedRange<Double> = 0.1...100)
    /// Flat in pT between the bounds, GeV.
    case flat(ClosedRange<Double> = 0...5)

    /// Draws |pT| in GeV. The Hagedorn form is sampled by inverting its cumulative
    /// distribution on a 4,096-point table in log pT.
    public func sample(_ rng: inout some RandomNumberGenerator, table: PtTable?) -> Double {
        switch self {
        case .flat(let r): return r.lowerBound + (r.upperBound - r.lowerBound) * rng.uniform()
        case .minimumBias: return table!.sample(rng.uniform())
        }
    }

    public func makeTable() -> PtTable? {
        guard case let .minimumBias(p0, n, range) = self else { return nil }
        return PtTable(density: { pt in pt * pow(1 + pt / p0, -n) }, range: range)
    }
}

/// Inverse-CDF table of a pT density: the quantiles at 16,384 equally spaced probabilities,
/// interpolated linearly, so a draw is one lookup.
public struct PtTable: Sendable, Equatable {
    let quantiles: [Double]

    init(density: (Double) -> Double, range: ClosedRange<Double>) {
        let n = 4096
        let lo = log(max(range.lowerBound, 1e-4)), hi = log(range.upperBound)
        var pts = [Double](), cdf = [0.0]
        for i in 0...n { pts.append(exp(lo + (hi - lo) * Double(i) / Double(n))) }
        for i in 1...n {
            let a = pts[i - 1], b = pts[i]
            cdf.append(cdf[i - 1] + (density(a) + density(b)) / 2 * (b - a))
        }
        let normalized = cdf.map { $0 / cdf[n] }
        // Invert on the fine log grid: quantile of probability j / m.
        let m = 16_384
        var q = [Double](), i = 0
        for j in 0...m {
            let u = Double(j) / Double(m)
            while i < n - 1 && normalized[i + 1] < u { i += 1 }
            let span = normalized[i + 1] - normalized[i]
            let f = span > 0 ? min(max((u - normalized[i]) / span, 0), 1) : 0
            q.append(pts[i] + (pts[i + 1] - pts[i]) * f)
        }
        quantiles = q
    }

    @inline(__always)
    func sample(_ u: Double) -> Double {
        let s = u * Double(quantiles.count - 1)
        let i = min(Int(s), quantiles.count - 2)
        return quantiles[i] + (quantiles[i + 1] - quantiles[i]) * (s - Double(i))
    }
}
