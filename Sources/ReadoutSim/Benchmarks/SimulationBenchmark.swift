import Foundation
import Randomness
import ReadoutProtocol

/// Clusters per second on one core: the full chain (barrel tracks with the minimum-bias pT
/// spectrum, deposition, drift, induction with 20 slices, front end) and library draws
/// (the same tracks, digitized 2-slice clusters from a pre-simulated library).
public struct SimulationBenchmark: Sendable {
    public var fullClusters = 20_000
    public var libraryClusters = 2_000_000
    public var grid = LibraryGrid()
    public var seed: UInt64 = 1

    public init() {}

    public struct Result: Sendable, Codable {
        public var fullClustersPerSecond: Double
        public var librarySeconds: Double
        public var libraryEntries: Int
        public var libraryMegabytes: Double
        public var libraryClustersPerSecond: Double
        /// Mean kept pixels per cluster in each mode (what the work was).
        public var fullPixelsPerCluster: Double
        public var libraryPixelsPerCluster: Double

        enum CodingKeys: String, CodingKey {
            case fullClustersPerSecond = "full_clusters_per_s", librarySeconds = "library_build_s", libraryEntries = "library_entries"
            case libraryMegabytes = "library_mb", libraryClustersPerSecond = "library_clusters_per_s"
            case fullPixelsPerCluster = "full_pixels_per_cluster", libraryPixelsPerCluster = "library_pixels_per_cluster"
        }
    }

    public func run(progress: (@Sendable (String) -> Void)? = nil) throws -> Result {
        let simulator = try ClusterSimulator()
        let g = simulator.settings.sensor.geometry
        let frontEnd20 = try FrontEnd(settings: .init(), rows: 13, columns: 21, slices: 20, seed: seed)
        let frontEnd2 = try FrontEnd(settings: .init(), rows: 13, columns: 21, slices: 2, seed: seed)

        // Full chain, one thread.
        var tracks = BarrelTracks(geometry: g)
        var rng = SplitMix64(seed: seed)
        var workspace = ClusterSimulator.Workspace()
        var charge: [Float] = [], codes: [Int16] = []
        var fullPixels = 0
        progress?("full chain: \(fullClusters) clusters")
        let t0 = ContinuousClock.now
        for _ in 0..<fullClusters {
            let track = tracks.next(&rng)!
            _ = simulator.simulate(track, charge: &charge, workspace: &workspace, rng: &rng)
            fullPixels += frontEnd20.digitize(&charge, codes: &codes, rng: &rng)
        }
        let fullSeconds = (ContinuousClock.now - t0).seconds

        progress?("library: simulating \(grid.entries) grid clusters on all cores")
        let t1 = ContinuousClock.now
        let library = try ClusterLibrary(simulator: simulator, grid: grid, keptSlices: TimeSlices.network(channels: 2)!, seed: seed)
        let buildSeconds = (ContinuousClock.now - t1).seconds

        progress?("library: \(libraryClusters) draws")
        var libraryTracks = BarrelTracks(geometry: g)
        var truth: [Float] = []
        var noCharge: [Float]? = nil
        var libraryPixels = 0
        let t2 = ContinuousClock.now
        for _ in 0..<libraryClusters {
            let track = libraryTracks.next(&rng)!
            library.draw(track, frontEnd: frontEnd2, codes: &codes, charge: &noCharge, truth: &truth, rng: &rng)
            libraryPixels &+= Int(codes[273 + 136] != 0 ? 1 : 0)
        }
        let librarySeconds = (ContinuousClock.now - t2).seconds
        return Result(
            fullClustersPerSecond: Double(fullClusters) / fullSeconds, librarySeconds: buildSeconds, libraryEntries: grid.entries,
            libraryMegabytes: Double(library.memoryBytes) / 1e6, libraryClustersPerSecond: Double(libraryClusters) / librarySeconds,
            fullPixelsPerCluster: Double(fullPixels) / Double(fullClusters), libraryPixelsPerCluster: Double(libraryPixels) / Double(libraryClusters))
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
