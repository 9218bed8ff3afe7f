import Foundation

/// The PixelAV comparison observables of a set of clusters, computed exactly as
/// ../shared/reference/pixelav-grid.json defines them (its `definitions`).
public struct ClusterObservables: Sendable, Equatable, Codable {
    /// Median and mode (250 e bins, bin centre) of the last-slice total charge, electrons.
    public var chargeMedian: Double
    public var chargeMPV: Double
    /// Per slice: mean over clusters of total(k) / total(last slice).
    public var chargeFraction: [Double]
    /// Mean number of distinct columns / rows with a pixel above 400 e in the last slice.
    public var xSize: Double
    public var ySize: Double
    /// Mean charge-weighted centroid (positive last-slice pixels) minus the mid-plane
    /// position, micrometres.
    public var yShift: Double
    public var xShift: Double
    /// Mean over clusters of the most negative pixel in slices 0-4, electrons.
    public var minNeighbour: Double
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case chargeMedian = "charge_median", chargeMPV = "charge_mpv", chargeFraction = "charge_fraction"
        case xSize = "x_size", ySize = "y_size", yShift = "y_shift_um", xShift = "x_shift_um"
        case minNeighbour = "min_neighbour", count = "n"
    }

    public static let sizeThreshold: Float = 400

    /// `charges[i]` is cluster i (slices x rows x columns), `midplanes[i]` its (x, y) truth.
    public init(
        charges: [[Float]], midplanes: [(x: Double, y: Double)], rows: Int, columns: Int, slices: Int, pitchX: Double, pitchY: Double
    ) {
        let perSlice = rows * columns
        var totals: [Double] = []
        var fractions = [Double](repeating: 0, count: slices)
        var xs = 0.0, ys = 0.0, yShift = 0.0, xShift = 0.0, minSum = 0.0
        var used = 0
        for (c, charge) in charges.enumerated() {
            precondition(charge.count == perSlice * slices)
            let last = (slices - 1) * perSlice
            let total = charge[last..<(last + perSlice)].reduce(0.0) { $0 + Double($1) }
            guard total > 0 else { continue }
            used += 1
            totals.append(total)
            for k in 0..<slices {
                let t = charge[(k * perSlice)..<((k + 1) * perSlice)].reduce(0.0) { $0 + Double($1) }
                fractions[k] += t / total
            }
            var rowsHit = Set<Int>(), columnsHit = Set<Int>()
            var wx = 0.0, wy = 0.0, w = 0.0
            for r in 0..<rows {
                for col in 0..<columns {
                    let q = charge[last + r * columns + col]
                    if q > Self.sizeThreshold {
                        rowsHit.insert(r)
                        columnsHit.insert(col)
                    }
                    if q > 0 {
                        w += Double(q)
                        wx += Double(q) * Double(col - columns / 2) * pitchX
                        wy += Double(q) * Double(r - rows / 2) * pitchY
                    }
                }
            }
            xs += Double(columnsHit.count)
            ys += Double(rowsHit.count)
            xShift += wx / w - midplanes[c].x
            yShift += wy / w - midplanes[c].y
            let early = charge[0..<(min(5, slices) * perSlice)]
            minSum += Double(min(early.min() ?? 0, 0))
        }
        let n = Double(max(used, 1))
        totals.sort()
        chargeMedian = totals.isEmpty ? 0 : totals.count % 2 == 1 ? totals[totals.count / 2] : (totals[totals.count / 2 - 1] + totals[totals.count / 2]) / 2
        var bins: [Int: Int] = [:]
        for t in totals { bins[Int(t / 250), default: 0] += 1 }
        let mode = bins.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
        chargeMPV = Double(mode) * 250 + 125
        chargeFraction = fractions.map { $0 / n }
        xSize = xs / n
        ySize = ys / n
        self.yShift = yShift / n
        self.xShift = xShift / n
        minNeighbour = minSum / n
        count = used
    }
}
