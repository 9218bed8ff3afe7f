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

/// Inverse-CDF table of a pT density.
public struct PtTable: Sendable, Equatable {
    let pts: [Double], cdf: [Double]

    init(density: (Double) -> Double, range: ClosedRange<Double>) {
        let n = 4096
        let lo = log(max(range.lowerBound, 1e-4)), hi = log(range.upperBound)
        var pts = [Double](), cdf = [0.0]
        for i in 0...n { pts.append(exp(lo + (hi - lo) * Double(i) / Double(n))) }
        for i in 1...n {
            let a = pts[i - 1], b = pts[i]
            cdf.append(cdf[i - 1] + (density(a) + density(b)) / 2 * (b - a))
        }
        self.pts = pts
        self.cdf = cdf.map { $0 / cdf[n] }
    }

    func sample(_ u: Double) -> Double {
        var lo = 0, hi = cdf.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if cdf[mid] <= u { lo = mid } else { hi = mid }
        }
        let f = cdf[hi] > cdf[lo] ? (u - cdf[lo]) / (cdf[hi] - cdf[lo]) : 0
        return pts[lo] + (pts[hi] - pts[lo]) * f
    }
}
