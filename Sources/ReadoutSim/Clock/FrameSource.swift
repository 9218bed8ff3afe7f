import Foundation
import Randomness
import ReadoutProtocol

/// The front end's generator, on a bunch-crossing clock: crossing by crossing, a Poisson
/// number of clusters (mean `occupancy`), each from a track of the layer's spectrum through
/// the full chain or the library, then the front end. Work comes in chunks of 1,024
/// crossings, each drawn from its own seeded stream, so the output does not depend on how
/// many threads generate it or in which order.
public final class FrameSource: Sendable {
    public let settings: FrameSourceSettings
    public let simulator: ClusterSimulator
    public let library: ClusterLibrary?
    public let frontEnd: FrontEnd
    let barrel: BarrelTracks?
    let endcap: EndcapTracks?

    public static let chunkCrossings = 1024

    /// Builds the simulator, and the library in library mode (all cores; `progress` gets
    /// the fraction done).
    public init(_ settings: FrameSourceSettings, progress: (@Sendable (Double) -> Void)? = nil) throws {
        try settings.validate()
        var s = settings
        if s.layer == .endcap {
            // The field is parallel to the drift in a disk: no Lorentz drift.
            var c = s.simulation.sensor.conditions
            c.magneticField = 0
            s.simulation.sensor = try Sensor(geometry: s.simulation.sensor.geometry, conditions: c)
        }
        self.settings = s
        simulator = try ClusterSimulator(s.simulation)
        frontEnd = try FrontEnd(settings: s.frontEnd, rows: s.simulation.rows, columns: s.simulation.columns, slices: s.keptSlices.count, seed: s.seed)
        library =
            s.mode == .library ? try ClusterLibrary(simulator: simulator, grid: s.libraryGrid, keptSlices: s.keptSlices, seed: s.seed, progress: progress) : nil
        let geometry = s.simulation.sensor.geometry
        barrel = s.layer == .barrel ? BarrelTracks(spectrum: s.spectrum, geometry: geometry) : nil
        endcap = s.layer == .endcap ? EndcapTracks(spectrum: s.spectrum, geometry: geometry) : nil
    }

    public var shape: FrameShape { settings.shape }
    public var codeFormat: CodeFormat { settings.frontEnd.adc.format }

    /// Nanoseconds from the start of the run to crossing `bx`.
    public func time(ofCrossing bx: UInt64) -> UInt64 {
        Self.time(ofCrossing: bx, rate: settings.rate)
    }

    /// Nanoseconds from the start of a run at `rate` Hz to crossing `bx`.
    public static func time(ofCrossing bx: UInt64, rate: Double) -> UInt64 {
        UInt64((Double(bx) * 1e9 / rate).rounded())
    }

    /// Crossings `index * 1024 ..< (index + 1) * 1024`.
    public func chunk(_ index: Int) -> FrameChunk {
        chunks(index..<(index + 1))
    }

    /// Consecutive chunks as one (each still drawn from its own stream): fewer hand-overs
    /// between threads than chunk by chunk, the same clusters.
    public func chunks(_ range: Range<Int>) -> FrameChunk {
        var chunk = FrameChunk(firstBunchCrossing: UInt64(range.lowerBound) * UInt64(Self.chunkCrossings), crossings: range.count * Self.chunkCrossings)
        let expected = Int(settings.occupancy * Double(chunk.crossings) * 1.2) + 16
        chunk.bunchCrossings.reserveCapacity(expected)
        chunk.codes.reserveCapacity(expected * shape.pixels)
        for index in range { append(index, to: &chunk) }
        return chunk
    }

    private func append(_ index: Int, to chunk: inout FrameChunk) {
        let first = UInt64(index) * UInt64(Self.chunkCrossings)
        var rng = SplitMix64.stream(seed: settings.seed, index: UInt64(index))
        var barrel = self.barrel, endcap = self.endcap
        var workspace = ClusterSimulator.Workspace()
        var full: [Float] = [], kept: [Float] = [], codes: [Int16] = [], truth: [Float] = []
        let kept20 = settings.keptSlices, perSlice = settings.simulation.rows * settings.simulation.columns
        // Poisson clusters per crossing, drawn as one Poisson total for the chunk spread
        // uniformly over its crossings (the same law, one draw instead of 1,024).
        let total = rng.poisson(mean: settings.occupancy * Double(Self.chunkCrossings))
        var perCrossing = [UInt16](repeating: 0, count: Self.chunkCrossings)
        for _ in 0..<total { perCrossing[Int(rng.next() % UInt64(Self.chunkCrossings))] += 1 }
        // Library mode: every track of the chunk is placed first, then the entries are read
        // in one pass (their memory accesses overlap), then drawn.
        var tracks: [Track] = [], placements: [ClusterLibrary.Placement] = []
        if let library {
            for c in 0..<Self.chunkCrossings where perCrossing[c] > 0 {
                for _ in 0..<perCrossing[c] {
                    let track = barrel?.next(&rng) ?? endcap!.next(&rng)!
                    tracks.append(track)
                    placements.append(library.place(track, rng: &rng))
                }
            }
            library.load(&placements)
        }
        var drawn = 0
        for c in 0..<Self.chunkCrossings where perCrossing[c] > 0 {
            for _ in 0..<perCrossing[c] {
                let track: Track
                if let library {
                    track = tracks[drawn]
                    // Written in place at the end of the chunk's arrays.
                    var chunkCharge: [Float]? = settings.includeCharge ? chunk.charge : nil
                    if settings.includeCharge { chunk.charge = [] }
                    library.draw(
                        track, at: placements[drawn], frontEnd: frontEnd, codes: &chunk.codes, charge: &chunkCharge, offset: chunk.codes.count,
                        truth: &truth, includeTruth: settings.includeTruth, rng: &rng)
                    if let chunkCharge { chunk.charge = chunkCharge }
                    drawn += 1
                } else {
                    track = barrel?.next(&rng) ?? endcap!.next(&rng)!
                    truth = simulator.simulate(track, charge: &full, workspace: &workspace, rng: &rng)
                    kept.removeAll(keepingCapacity: true)
                    for k in kept20 { kept.append(contentsOf: full[(k * perSlice)..<((k + 1) * perSlice)]) }
                    frontEnd.digitize(&kept, codes: &codes, rng: &rng)
                    chunk.codes.append(contentsOf: codes)
                    if settings.includeCharge { chunk.charge.append(contentsOf: kept) }
                }
                chunk.bunchCrossings.append(first + UInt64(c))
                chunk.yLocal.append(Float(track.yModule))
                chunk.xLocal.append(Float(track.xModule))
                if settings.includeTruth { chunk.truth.append(contentsOf: truth) }
            }
        }
    }
}
