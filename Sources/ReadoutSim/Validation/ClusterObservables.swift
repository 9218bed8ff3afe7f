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

    /// The averages of clusters' measures.
    public init(_ measures: [ClusterMeasures], slices: Int) {
        var totals: [Double] = []
        var fractions = [Double](repeating: 0, count: slices)
        var xs = 0.0, ys = 0.0, yShift = 0.0, xShift = 0.0, minSum = 0.0
        for m in measures {
            totals.append(m.total)
            for k in 0..<slices { fractions[k] += m.fractions[k] }
            xs += Double(m.xSize)
            ys += Double(m.ySize)
            xShift += m.xShift
            yShift += m.yShift
            minSum += m.earlyMinimum
        }
        let used = measures.count
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
