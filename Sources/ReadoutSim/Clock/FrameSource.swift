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
        UInt64((Double(bx) * 1e9 / settings.rate).rounded())
    }

    /// Crossings `index * 1024 ..< (index + 1) * 1024`.
    public func chunk(_ index: Int) -> FrameChunk {
        let first = UInt64(index) * UInt64(Self.chunkCrossings)
        var rng = SplitMix64.stream(seed: settings.seed, index: UInt64(index))
        var chunk = FrameChunk(firstBunchCrossing: first, crossings: Self.chunkCrossings)
        var barrel = self.barrel, endcap = self.endcap
        var workspace = ClusterSimulator.Workspace()
        var full: [Float] = [], kept: [Float] = [], codes: [Int16] = [], truth: [Float] = []
        var charge: [Float]? = settings.includeCharge ? [] : nil
        let kept20 = settings.keptSlices, perSlice = settings.simulation.rows * settings.simulation.columns
        // Poisson clusters per crossing, drawn as one Poisson total for the chunk spread
        // uniformly over its crossings (the same law, one draw instead of 1,024).
        let total = rng.poisson(mean: settings.occupancy * Double(Self.chunkCrossings))
        var perCrossing = [UInt16](repeating: 0, count: Self.chunkCrossings)
        for _ in 0..<total { perCrossing[Int(rng.next() % UInt64(Self.chunkCrossings))] += 1 }
        for c in 0..<Self.chunkCrossings where perCrossing[c] > 0 {
            for _ in 0..<perCrossing[c] {
                let track = barrel?.next(&rng) ?? endcap!.next(&rng)!
                if let library {
                    library.draw(track, frontEnd: frontEnd, codes: &codes, charge: &charge, truth: &truth, includeTruth: settings.includeTruth, rng: &rng)
                } else {
                    truth = simulator.simulate(track, charge: &full, workspace: &workspace, rng: &rng)
                    kept.removeAll(keepingCapacity: true)
                    for k in kept20 { kept.append(contentsOf: full[(k * perSlice)..<((k + 1) * perSlice)]) }
                    frontEnd.digitize(&kept, codes: &codes, rng: &rng)
                    if settings.includeCharge { charge = kept }
                }
                chunk.bunchCrossings.append(first + UInt64(c))
                chunk.yLocal.append(Float(track.yModule))
                chunk.xLocal.append(Float(track.xModule))
                chunk.codes.append(contentsOf: codes)
                if let charge { chunk.charge.append(contentsOf: charge) }
                if settings.includeTruth { chunk.truth.append(contentsOf: truth) }
            }
        }
        return chunk
    }
}
