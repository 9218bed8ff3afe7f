/// One cluster's values of the PixelAV comparison observables, before any averaging over
/// clusters (pixelav-grid.json's `definitions`): what `ClusterObservables` averages and what
/// `PairedValidation` compares cluster by cluster.
public struct ClusterMeasures: Sendable, Equatable {
    /// Total charge in the last slice, electrons.
    public var total: Double
    /// Per slice: total(k) / total(last slice).
    public var fractions: [Double]
    /// Distinct columns / rows with a pixel above `ClusterObservables.sizeThreshold` in the
    /// last slice.
    public var xSize: Int, ySize: Int
    /// Charge-weighted centroid of the positive last-slice pixels minus the mid-plane
    /// position, micrometres (column c at x = (c - columns / 2) pitchX, row r likewise).
    public var xShift: Double, yShift: Double
    /// The most negative pixel in slices 0-4 (0 when none is negative), electrons.
    public var earlyMinimum: Double

    /// `charge` is one cluster (slices x rows x columns); nil when its last slice holds no
    /// charge (the reference leaves such clusters out).
    public init?(
        charge: ArraySlice<Float>, midplane: (x: Double, y: Double), rows: Int, columns: Int, slices: Int, pitchX: Double, pitchY: Double
    ) {
        let perSlice = rows * columns
        precondition(charge.count == perSlice * slices)
        let base = charge.startIndex, last = base + (slices - 1) * perSlice
        let total = charge[last..<(last + perSlice)].reduce(0.0) { $0 + Double($1) }
        guard total > 0 else { return nil }
        self.total = total
        fractions = (0..<slices).map { k in
            charge[(base + k * perSlice)..<(base + (k + 1) * perSlice)].reduce(0.0) { $0 + Double($1) } / total
        }
        var rowsHit = Set<Int>(), columnsHit = Set<Int>()
        var wx = 0.0, wy = 0.0, w = 0.0
        for r in 0..<rows {
            for col in 0..<columns {
                let q = charge[last + r * columns + col]
                if q > ClusterObservables.sizeThreshold {
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
        xSize = columnsHit.count
        ySize = rowsHit.count
        xShift = wx / w - midplane.x
        yShift = wy / w - midplane.y
        earlyMinimum = Double(min(charge[base..<(base + min(5, slices) * perSlice)].min() ?? 0, 0))
    }

    /// A simulated or reference cluster of `settings`' frame shape and `track`.
    public init?(charge: [Float], track: Track, settings s: SimulationSettings) {
        let g = s.sensor.geometry
        self.init(
            charge: charge[...], midplane: (track.xMidplane, track.yMidplane), rows: s.rows, columns: s.columns, slices: s.sliceTimes.count,
            pitchX: g.pitchX, pitchY: g.pitchY)
    }
}
