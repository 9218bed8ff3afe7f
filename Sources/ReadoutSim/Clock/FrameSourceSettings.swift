import ReadoutProtocol

/// What the streaming front end simulates: mode, sensor, slices sent, front end, tracks,
/// clock and occupancy.
public struct FrameSourceSettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The full chain for every cluster.
        case physics
        /// Draws from a cluster library simulated by the full chain at start-up.
        case library
    }

    public enum Layer: String, Sendable, CaseIterable { case barrel, endcap }

    public var mode: Mode = .library
    public var simulation = SimulationSettings()
    /// Slices of the simulated 20 that are sent (default the first and the last, what the
    /// 2-slice network reads).
    public var keptSlices = TimeSlices.network(channels: 2)!
    public var frontEnd = FrontEndSettings()
    public var layer: Layer = .barrel
    public var spectrum: PtSpectrum = .minimumBias()
    public var libraryGrid = LibraryGrid()
    /// Bunch-crossing frequency, hertz.
    public var rate = 40e6
    /// Mean clusters per bunch crossing in the 13 x 21 region (Poisson).
    public var occupancy = FrameSourceSettings.highLuminosityOccupancy
    /// Send the front end's measured charge (float32) beside the codes, and truth labels.
    public var includeCharge = false
    public var includeTruth = false
    public var seed: UInt64 = 1

    public init() {}

    /// 0.04 clusters per crossing: HL-LHC at pileup 200 with about 6.5 charged particles per
    /// unit of pseudorapidity per collision gives 1,300 per unit eta; on the barrel layer at
    /// r = 30 mm (dz = r deta at eta = 0) that is 1300 / (2 pi r^2) = 23 per cm^2 per filled
    /// crossing, 18 per 25 ns with 2,808 of 3,564 buckets filled; the region (21 x 50 um by
    /// 13 x 12.5 um = 1.7e-3 cm^2) sees 0.031, and secondaries and loopers add about a third
    /// (docs/readout-sim.md).
    public static let highLuminosityOccupancy = 0.04

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public func validate() throws(Invalid) {
        let slices = simulation.sliceTimes.count
        guard !keptSlices.isEmpty, keptSlices.allSatisfy({ (0..<slices).contains($0) }), zip(keptSlices, keptSlices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw Invalid(description: "sent slices \(keptSlices) must be increasing and within 0...\(slices - 1)")
        }
        guard rate > 0, rate.isFinite, rate <= 1e11 else {
            throw Invalid(description: "bunch-crossing rate must be positive and at most 100 GHz, got \(rate) Hz")
        }
        guard occupancy >= 0, occupancy <= 1000, occupancy.isFinite else {
            throw Invalid(description: "occupancy must be 0 to 1000 clusters per crossing, got \(occupancy)")
        }
        do { try frontEnd.validate() } catch { throw Invalid(description: error.description) }
        do { try simulation.validate() } catch { throw Invalid(description: error.description) }
        do { try libraryGrid.validate() } catch { throw Invalid(description: error.description) }
    }

    public var shape: FrameShape { FrameShape(rows: simulation.rows, columns: simulation.columns, slices: keptSlices.count) }
}

extension FrameSourceSettings {
    /// What the run-start says of a stream made with these settings.
    public func runDescription(batch: Int) -> FrontEndDescription {
        let g = simulation.sensor.geometry
        return FrontEndDescription(
            mode: mode.rawValue, geometry: g.name, pitchXUm: g.pitchX, pitchYUm: g.pitchY, thicknessUm: g.thickness, biasV: g.bias, layer: layer.rawValue,
            rateHz: rate, occupancy: occupancy, sliceIndices: keptSlices,
            sliceTimesNs: keptSlices.map { simulation.sliceTimes[$0] }, noiseE: frontEnd.noise, thresholdE: frontEnd.threshold,
            thresholdDispersionE: frontEnd.thresholdDispersion, adc: frontEnd.adc.runDescription, seed: seed, batch: batch)
    }
}
