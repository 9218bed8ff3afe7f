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
    /// Per entry: first pixel (entries + 1 values).
    let start: [Int32]
    /// Per pixel, one record of 1 + kept slices floats: the position (row and column
    /// offsets from the hit's pixel, two Int8 in the first float's bits) then the kept-slice
    /// charges in electrons. One array, so that a draw reads one contiguous run of memory
    /// (the library is larger than the caches; separate arrays cost a miss each).
    let records: [Float]
    let stride: Int
    /// Per entry: electron-hole pairs.
    let pairs: [Float]
    /// The most probable loss by velocity, for the charge of draws at other momenta, and its
    /// value for pions at the library's momentum (most draws).
    let lossScale: LossScale
    let pionLoss: Float

    public var memoryBytes: Int { start.count * 4 + records.count * 4 + pairs.count * 4 }
    public var pixelCount: Int { records.count / stride }

    static func position(row: Int, column: Int) -> Float {
        Float(bitPattern: UInt32(UInt8(bitPattern: Int8(row))) | UInt32(UInt8(bitPattern: Int8(column))) << 8)
    }

    @inline(__always)
    func offsets(ofPixel p: Int) -> (row: Int, column: Int) {
        let bits = records[p * stride].bitPattern
        return (Int(Int8(bitPattern: UInt8(bits & 0xFF))), Int(Int8(bitPattern: UInt8((bits >> 8) & 0xFF))))
    }

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
        lossScale = LossScale(referenceBetaGamma: 1, thickness: g.thickness)
        pionLoss = lossScale(betaGamma: grid.momentum / Track.pionMass)

        // One chunk per (cotAlpha, cotBeta) point, simulated independently.
        let points = grid.cotAlphaCount * grid.cotBetaCount
        let perPoint = grid.subX * grid.subY * grid.variants
        struct Chunk: Sendable {
            var counts: [Int32] = [], records: [Float] = [], pairs: [Float] = []
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
                    chunk.records.append(Self.position(row: p.row - centreRow, column: p.column - centreColumn))
                    for k in kept { chunk.records.append(charge[k * perSlice + p.row * columns + p.column]) }
                }
                let n = Int32(list.count)
                chunk.counts.append(n)
                chunk.pairs.append(truth[TruthLabel.numberEHPairs.rawValue])
            }
            chunks.withLock { $0[point] = chunk }
            let finished = done.add(1, ordering: .relaxed).newValue
            progress?(Double(finished) / Double(points))
        }
        var start: [Int32] = [0], records: [Float] = [], pairs: [Float] = []
        for chunk in chunks.withLock({ $0 }) {
            let c = chunk!
            for n in c.counts { start.append(start.last! + n) }
            records += c.records
            pairs += c.pairs
        }
        self.start = start
        self.records = records
        stride = 1 + kept.count
        self.pairs = pairs
    }

    public var shape: FrameShape { FrameShape(rows: rows, columns: columns, slices: keptSlices.count) }

    /// Where a track's cluster comes from and goes: the library entry, the pixel shift, the
    /// grid point's angles and hit position (relative to the array centre, unflipped frame),
    /// and, once `load` has run, the entry's pixel range.
    public struct Placement: Sendable {
        var entry: Int, row: Int, column: Int
        var cotAlpha: Double, cotBeta: Double, x: Double, y: Double
        var pixels: Range<Int> = 0..<0
        /// The first pixel's last-slice charge, read by `load` (the entry is then in cache).
        var leading: Float = 0
    }

    /// Chooses the entry for `track`: the grid point nearest its angles and hit position, and
    /// one of the point's variants at random. No library memory is read here.
    @inline(__always)
    public func place(_ track: Track, rng: inout SplitMix64) -> Placement {
        let t = track.flipped ? track.mirroredInY : track
        let variant = grid.variants == 1 ? 0 : Int(rng.next() % UInt64(grid.variants))
        let ia = grid.index(t.cotAlpha, max: grid.cotAlphaMax, step: grid.cotAlphaStep, count: grid.cotAlphaCount)
        let ib = grid.index(t.cotBeta, max: grid.cotBetaMax, step: grid.cotBetaStep, count: grid.cotBetaCount)
        // Nearest pixel (rounding through an offset: |coordinates| < 1000 pitches).
        let c = Double(Int(t.xMidplane / pitchX + 1000.5) - 1000), r = Double(Int(t.yMidplane / pitchY + 1000.5) - 1000)
        let sx = min(max(Int((t.xMidplane / pitchX - c + 0.5) * Double(grid.subX)), 0), grid.subX - 1)
        let sy = min(max(Int((t.yMidplane / pitchY - r + 0.5) * Double(grid.subY)), 0), grid.subY - 1)
        let point = ia * grid.cotBetaCount + ib
        return Placement(
            entry: ((point * grid.subX + sx) * grid.subY + sy) * grid.variants + variant, row: Int(r), column: Int(c),
            cotAlpha: -grid.cotAlphaMax + Double(ia) * grid.cotAlphaStep, cotBeta: -grid.cotBetaMax + Double(ib) * grid.cotBetaStep,
            x: (c + (Double(sx) + 0.5) / Double(grid.subX) - 0.5) * pitchX, y: (r + (Double(sy) + 0.5) / Double(grid.subY) - 0.5) * pitchY)
    }

    /// Reads where each placed entry lies. The library is larger than the caches, so each
    /// entry costs a memory access; done for many placements in one tight loop, those accesses
    /// overlap instead of stalling one draw each.
    public func load(_ placements: inout [Placement]) {
        start.withUnsafeBufferPointer { start in
            records.withUnsafeBufferPointer { records in
                for i in placements.indices {
                    let from = Int(start[placements[i].entry]), to = Int(start[placements[i].entry + 1])
                    placements[i].pixels = from..<to
                    placements[i].leading = to > from ? records[from * stride + stride - 1] : 0
                }
            }
        }
    }

    /// Draws the cluster of `track` through `frontEnd` into `codes` (kept slices x rows x
    /// columns, at `offset`; appended when the array ends there) and, when `charge` is
    /// non-nil, the measured charge; fills `truth` with the labels (TruthLabel order) unless
    /// `includeTruth` is false.
    public func draw(
        _ track: Track, frontEnd: FrontEnd, codes: inout [Int16], charge: inout [Float]?, offset: Int = 0, truth: inout [Float],
        includeTruth: Bool = true, rng: inout SplitMix64
    ) {
        var placed = place(track, rng: &rng)
        placed.pixels = Int(start[placed.entry])..<Int(start[placed.entry + 1])
        draw(track, at: placed, frontEnd: frontEnd, codes: &codes, charge: &charge, offset: offset, truth: &truth, includeTruth: includeTruth, rng: &rng)
    }

    /// Draws a placed and loaded cluster (see `place`, `load`).
    @inline(__always)
    public func draw(
        _ track: Track, at place: Placement, frontEnd: FrontEnd, codes: inout [Int16], charge: inout [Float]?, offset: Int = 0, truth: inout [Float],
        includeTruth: Bool = true, rng: inout SplitMix64
    ) {
        let bg = track.betaGamma, bgLibrary = grid.momentum / track.mass
        let scale = lossScale(betaGamma: bg) / (track.mass == Track.pionMass ? pionLoss : lossScale(betaGamma: bgLibrary))
        let flip = track.flipped ? -1 : 1
        frontEnd.digitizeSparse(
            pixels: place.pixels, row: { (place.row + self.offsets(ofPixel: $0).row) * flip + self.rows / 2 },
            column: { place.column + self.offsets(ofPixel: $0).column + self.columns / 2 },
            values: records, stride: stride, first: 1, scale: scale, codes: &codes, charge: &charge, offset: offset, rng: &rng)
        if includeTruth { fillTruth(&truth, track: track, place: place, pairs: Double(pairs[place.entry] * scale)) }
    }

    func fillTruth(_ truth: inout [Float], track: Track, place: Placement, pairs: Double) {
        var placed = Track(
            cotAlpha: place.cotAlpha, cotBeta: place.cotBeta, xMidplane: place.x, yMidplane: place.y, momentum: track.momentum,
            charge: track.charge, pt: track.pt, yModule: track.yModule, mass: track.mass)
        if track.flipped { placed = placed.mirroredInY }
        if truth.count != TruthLabel.count { truth = [Float](repeating: 0, count: TruthLabel.count) }
        ClusterSimulator.fillTruth(&truth, placed, pairs: pairs, thickness: thickness)
    }
}
