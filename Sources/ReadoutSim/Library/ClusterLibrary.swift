import Dispatch
import Foundation
import Randomness
import ReadoutProtocol
import Synchronization

/// Clusters pre-simulated by the full chain on a grid of angles and intra-pixel positions,
/// drawn and placed at run time, as CMS does with PixelAV templates: for rates the full
/// simulation cannot sustain. A draw picks the grid point nearest the track's angles and hit
/// position, one of its variants at random, moves it by whole pixels to the hit, scales its
/// charge for the track's momentum, and digitizes it with noise drawn afresh.
///
/// Entries are stored sparse (the pixels with any non-zero kept slice) for the slices the
/// run sends (e.g. 0 and 19). The truth of a draw is the grid point's (angles, position
/// within the pixel), placed at the hit's pixel; pT and module position are the track's.
public struct ClusterLibrary: Sendable {
    public let grid: LibraryGrid
    public let keptSlices: [Int]
    public let rows: Int, columns: Int
    public let pitchX: Double, pitchY: Double, thickness: Double
    /// Per entry: first pixel in the pixel arrays (entries + 1 values).
    let start: [Int32]
    let dRow: [Int8], dColumn: [Int8]
    /// Per pixel: kept-slice charges (keptSlices.count each), electrons.
    let values: [Float]
    /// Per entry: electron-hole pairs.
    let pairs: [Float]

    public var memoryBytes: Int { start.count * 4 + dRow.count * 2 + values.count * 4 + pairs.count * 4 }
    public var pixelCount: Int { dRow.count }

    /// Simulates every grid point with `simulator` on all cores; `progress` is called with
    /// the fraction done (from any thread). Deterministic for a seed.
    public init(
        simulator: ClusterSimulator, grid: LibraryGrid = .init(), keptSlices: [Int]? = nil, seed: UInt64 = 1,
        progress: (@Sendable (Double) -> Void)? = nil
    ) throws(LibraryGrid.Invalid) {
        try grid.validate()
        let s = simulator.settings
        let slices = s.sliceTimes.count
        let kept = keptSlices ?? Array(0..<slices)
        guard !kept.isEmpty, kept.allSatisfy({ (0..<slices).contains($0) }) else {
            throw LibraryGrid.Invalid(description: "kept slices \(kept) must lie in 0..<\(slices)")
        }
        self.grid = grid
        self.keptSlices = kept
        let (rows, columns) = (s.rows, s.columns)
        self.rows = rows
        self.columns = columns
        let g = s.sensor.geometry
        pitchX = g.pitchX
        pitchY = g.pitchY
        thickness = g.thickness

        // One chunk per (cotAlpha, cotBeta) point, simulated independently.
        let points = grid.cotAlphaCount * grid.cotBetaCount
        let perPoint = grid.subX * grid.subY * grid.variants
        struct Chunk: Sendable {
            var counts: [Int32] = [], dRow: [Int8] = [], dColumn: [Int8] = [], values: [Float] = [], pairs: [Float] = []
        }
        let chunks = Mutex<[Chunk?]>(Array(repeating: nil, count: points))
        let done = Atomic<Int>(0)
        let perSlice = rows * columns
        let centreRow = rows / 2, centreColumn = columns / 2
        DispatchQueue.concurrentPerform(iterations: points) { point in
            let ia = point / grid.cotBetaCount, ib = point % grid.cotBetaCount
            let cotAlpha = -grid.cotAlphaMax + Double(ia) * grid.cotAlphaStep
            let cotBeta = -grid.cotBetaMax + Double(ib) * grid.cotBetaStep
            var rng = SplitMix64.stream(seed: seed, index: UInt64(point))
            var workspace = ClusterSimulator.Workspace()
            var charge: [Float] = []
            var chunk = Chunk()
            for e in 0..<perPoint {
                let sx = e / (grid.subY * grid.variants), sy = (e / grid.variants) % grid.subY
                let x = ((Double(sx) + 0.5) / Double(grid.subX) - 0.5) * g.pitchX
                let y = ((Double(sy) + 0.5) / Double(grid.subY) - 0.5) * g.pitchY
                let track = Track(cotAlpha: cotAlpha, cotBeta: cotBeta, xMidplane: x, yMidplane: y, momentum: grid.momentum)
                let truth = simulator.simulate(track, charge: &charge, workspace: &workspace, rng: &rng)
                // Pixels with any non-zero kept slice, largest final charge first, so that a
                // draw can stop at the first pixel that cannot pass any threshold.
                var list: [(final: Float, row: Int, column: Int)] = []
                for r in 0..<rows {
                    for c in 0..<columns {
                        let i = r * columns + c
                        guard kept.contains(where: { charge[$0 * perSlice + i] != 0 }) else { continue }
                        list.append((charge[kept.last! * perSlice + i], r, c))
                    }
                }
                list.sort { ($0.final, $1.row, $1.column) > ($1.final, $0.row, $0.column) }
                for p in list {
                    chunk.dRow.append(Int8(p.row - centreRow))
                    chunk.dColumn.append(Int8(p.column - centreColumn))
                    for k in kept { chunk.values.append(charge[k * perSlice + p.row * columns + p.column]) }
                }
                let n = Int32(list.count)
                chunk.counts.append(n)
                chunk.pairs.append(truth[TruthLabel.numberEHPairs.rawValue])
            }
            chunks.withLock { $0[point] = chunk }
            let finished = done.add(1, ordering: .relaxed).newValue
            progress?(Double(finished) / Double(points))
        }
        var start: [Int32] = [0], dRow: [Int8] = [], dColumn: [Int8] = [], values: [Float] = [], pairs: [Float] = []
        for chunk in chunks.withLock({ $0 }) {
            let c = chunk!
            for n in c.counts { start.append(start.last! + n) }
            dRow += c.dRow
            dColumn += c.dColumn
            values += c.values
            pairs += c.pairs
        }
        self.start = start
        self.dRow = dRow
        self.dColumn = dColumn
        self.values = values
        self.pairs = pairs
    }

    public var shape: FrameShape { FrameShape(rows: rows, columns: columns, slices: keptSlices.count) }

    /// The entry for a track and where it goes: entry index, pixel shift, the grid point's
    /// angles and hit position (relative to the array centre, in the unflipped frame).
    @inline(__always)
    func locate(_ t: Track, variant: Int) -> (entry: Int, row: Int, column: Int, cotAlpha: Double, cotBeta: Double, x: Double, y: Double) {
        let ia = grid.index(t.cotAlpha, max: grid.cotAlphaMax, step: grid.cotAlphaStep, count: grid.cotAlphaCount)
        let ib = grid.index(t.cotBeta, max: grid.cotBetaMax, step: grid.cotBetaStep, count: grid.cotBetaCount)
        // Nearest pixel (rounding through an offset: |coordinates| < 1000 pitches).
        let c = Double(Int(t.xMidplane / pitchX + 1000.5) - 1000), r = Double(Int(t.yMidplane / pitchY + 1000.5) - 1000)
        let sx = min(max(Int((t.xMidplane / pitchX - c + 0.5) * Double(grid.subX)), 0), grid.subX - 1)
        let sy = min(max(Int((t.yMidplane / pitchY - r + 0.5) * Double(grid.subY)), 0), grid.subY - 1)
        let point = ia * grid.cotBetaCount + ib
        let entry = ((point * grid.subX + sx) * grid.subY + sy) * grid.variants + variant
        let x = (c + (Double(sx) + 0.5) / Double(grid.subX) - 0.5) * pitchX
        let y = (r + (Double(sy) + 0.5) / Double(grid.subY) - 0.5) * pitchY
        return (
            entry, Int(r), Int(c), -grid.cotAlphaMax + Double(ia) * grid.cotAlphaStep, -grid.cotBetaMax + Double(ib) * grid.cotBetaStep, x, y
        )
    }

    /// Draws the cluster of `track` through `frontEnd` into `codes` (kept slices x rows x
    /// columns, at `offset`; appended when the array ends there) and, when `charge` is
    /// non-nil, the measured charge; fills `truth` with the labels (TruthLabel order) unless
    /// `includeTruth` is false.
    public func draw(
        _ track: Track, frontEnd: FrontEnd, codes: inout [Int16], charge: inout [Float]?, offset: Int = 0, truth: inout [Float],
        includeTruth: Bool = true, rng: inout SplitMix64
    ) {
        let t = track.flipped ? track.mirroredInY : track
        let variant = grid.variants == 1 ? 0 : Int(rng.next() % UInt64(grid.variants))
        let place = locate(t, variant: variant)
        let bg = track.momentum / track.mass, bgLibrary = grid.momentum / track.mass
        let scale = Float((1 + 1 / (bg * bg)) / (1 + 1 / (bgLibrary * bgLibrary)))
        let from = Int(start[place.entry]), to = Int(start[place.entry + 1])
        let flip = track.flipped ? -1 : 1
        frontEnd.digitizeSparse(
            pixels: from..<to, row: { (place.row + Int(self.dRow[$0])) * flip + self.rows / 2 },
            column: { place.column + Int(self.dColumn[$0]) + self.columns / 2 },
            values: values, scale: scale, codes: &codes, charge: &charge, offset: offset, rng: &rng)
        if includeTruth { fillTruth(&truth, track: track, place: place, pairs: Double(pairs[place.entry] * scale)) }
    }

    func fillTruth(
        _ truth: inout [Float], track: Track, place: (entry: Int, row: Int, column: Int, cotAlpha: Double, cotBeta: Double, x: Double, y: Double),
        pairs: Double
    ) {
        var placed = Track(
            cotAlpha: place.cotAlpha, cotBeta: place.cotBeta, xMidplane: place.x, yMidplane: place.y, momentum: track.momentum,
            charge: track.charge, pt: track.pt, yModule: track.yModule, mass: track.mass)
        if track.flipped { placed = placed.mirroredInY }
        if truth.count != TruthLabel.count { truth = [Float](repeating: 0, count: TruthLabel.count) }
        ClusterSimulator.fillTruth(&truth, placed, pairs: pairs, thickness: thickness)
    }
}
