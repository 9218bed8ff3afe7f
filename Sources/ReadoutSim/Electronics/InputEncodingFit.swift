import Randomness
import ReadoutProtocol

extension FrameSourceSettings {
    /// The network input code's constants for this configuration: mean and spread of
    /// sign(q) log2(1 + |q|) over the non-zero pixels of the sent slices of `clusters`
    /// simulated clusters (no front end), as the seed standardizes with its dataset's statistics.
    public func fittedInputEncoding(clusters: Int = 2000) throws -> InputEncoding {
        let sim = try ClusterSimulator(simulation)
        var tracks = BarrelTracks(spectrum: spectrum, geometry: simulation.sensor.geometry)
        var rng = SplitMix64(seed: seed ^ 0xE4C0DE)
        let perSlice = simulation.rows * simulation.columns
        var charges: [Float] = []
        for _ in 0..<clusters {
            let c = sim.simulate(tracks.next(&rng)!, rng: &rng).charge
            for k in keptSlices { charges += c[(k * perSlice)..<((k + 1) * perSlice)] }
        }
        guard let e = InputEncoding.fit(charges: charges) else { throw Invalid(description: "cannot fit the network input code: no charge simulated") }
        return e
    }
}
