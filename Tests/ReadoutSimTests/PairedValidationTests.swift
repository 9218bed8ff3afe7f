import Foundation
import Randomness
import ReadoutProtocol
import Synchronization
import Testing

@testable import ReadoutSim

/// The cluster-by-cluster comparison: clusters of this simulator compared with this
/// simulator must look like draws of it, misplaced tracks must not, and PixelAV's clusters
/// must be read as the grid's definitions read them.
@Suite struct PairedValidationTests {
    /// `count` clusters of the default chain at one condition, as reference clusters.
    static func ownClusters(_ sim: ClusterSimulator, count: Int, seed: UInt64) -> [PairedValidation.ReferenceCluster] {
        var rng = SplitMix64(seed: seed)
        var gun = FixedAngleGun(cotAlpha: 1, cotBeta: 0, geometry: sim.settings.sensor.geometry)
        var workspace = ClusterSimulator.Workspace()
        return (0..<count).map { _ in
            let track = gun.next(&rng)!
            var charge: [Float] = []
            _ = sim.simulate(track, charge: &charge, workspace: &workspace, rng: &rng)
            return PairedValidation.ReferenceCluster(track: track, charge: charge)
        }
    }

    /// 60 of our own clusters against 100 repeats of each track. Every mean difference within
    /// four standard errors and every mean PIT within four errors of 0.5 (about 20
    /// statistics: a chance failure at four sigma is below 1 in 500, and the seeds are fixed).
    /// The spread of the smooth observables (charge fractions, early minimum) within
    /// 0.7-1.4: its estimate from 60 clusters scatters by about 0.1.
    @Test func ownClustersLookLikeDrawsOfTheSimulator() throws {
        let sim = try ClusterSimulator()
        let results = PairedValidation.run(Self.ownClusters(sim, count: 60, seed: 99), simulator: sim, repeats: 100, seed: 5)
        let r = try #require(results.first)
        #expect(results.count == 1 && r.cotAlpha == 1 && r.cotBeta == 0 && r.clusters == 60 && r.skipped == 0 && r.emptyRepeats == 0)
        #expect(r.statistics.map(\.name).prefix(6) == ["charge_total", "x_size", "y_size", "x_shift_um", "y_shift_um", "min_neighbour"])
        #expect(r.statistics.contains { $0.name == "charge_fraction[0]" })
        for s in r.statistics {
            let error = try #require(s.error), pitError = try #require(s.pitError)
            #expect(abs(s.difference) <= 4 * error, "\(s.name): difference \(s.difference) +- \(error)")
            #expect(abs(s.pit - 0.5) <= 4 * pitError, "\(s.name): PIT \(s.pit) +- \(pitError)")
            if s.name.hasPrefix("charge_fraction") || s.name == "min_neighbour" {
                let spread = try #require(s.spread)
                #expect((0.7...1.4).contains(spread), "\(s.name): spread \(spread)")
            }
            if s.name.hasSuffix("_size") { #expect(s.spread == nil) }
        }
    }

    /// The same seed gives the same statistics, however the threads interleave.
    @Test func sameSeedSameStatistics() throws {
        let sim = try ClusterSimulator()
        let clusters = Self.ownClusters(sim, count: 12, seed: 3)
        func run() -> [Double] {
            PairedValidation.run(clusters, simulator: sim, repeats: 6, seed: 9).flatMap { r in
                r.statistics.flatMap { [$0.simulated, $0.difference, $0.pit, $0.spread ?? -1] }
            }
        }
        let first = run()
        #expect(!first.isEmpty && first == run())
    }

    /// The statistic of hand-made summaries: PIT from the counts below and on the reference,
    /// the difference in standard errors, infinite when every cluster differs alike.
    @Test func statisticOfKnownSummaries() {
        func summary(_ values: [Double], reference p: Double) -> PairedValidation.Summary {
            var s = PairedValidation.Summary()
            for v in values { s.add(v, reference: p) }
            return s
        }
        // Our repeats 0, 1, 2, 3 for both tracks; PixelAV 2 and 4: differences 0.5 and 2.5.
        let s = PairedValidation.statistic("x", [(2, summary([0, 1, 2, 3], reference: 2)), (4, summary([0, 1, 2, 3], reference: 4))])
        #expect(s.reference == 3)
        #expect(s.simulated == 1.5)
        #expect(s.difference == 1.5)
        let error: Double? = 1, sigma: Double? = 1.5, pit = (2.5 / 4 + 1) / 2
        #expect(s.error == error)  // deviation of (0.5, 2.5) is sqrt(2), over sqrt(2) clusters
        #expect(s.sigma == sigma)
        #expect(s.pit == pit)  // 2 below and 1 on the first reference; all 4 below the second
        let same = PairedValidation.statistic("y", [(3, summary([1, 2], reference: 3)), (3, summary([1, 2], reference: 3))])
        let zero: Double? = 0, infinite: Double? = .infinity
        #expect(same.error == zero)
        #expect(same.sigma == infinite)
    }

    /// Progress hears every cluster once, counting up to the total.
    @Test func progressCountsEveryCluster() throws {
        let sim = try ClusterSimulator()
        let heard = Mutex<[Int]>([])
        _ = PairedValidation.run(Self.ownClusters(sim, count: 7, seed: 3), simulator: sim, repeats: 2, seed: 1) { done, total in
            #expect(total == 7)
            heard.withLock { $0.append(done) }
        }
        #expect(heard.withLock { $0.sorted() } == Array(1...7))
    }

    /// The same clusters with every track moved half a pixel along x: PixelAV's (here our)
    /// clusters then sit 25 um from where the simulation puts them, far outside the errors.
    @Test func misplacedTracksAreDetected() throws {
        let sim = try ClusterSimulator()
        let moved = Self.ownClusters(sim, count: 30, seed: 99).map { c in
            var c = c
            c.track.xMidplane += 25
            return c
        }
        let r = try #require(PairedValidation.run(moved, simulator: sim, repeats: 50, seed: 5).first)
        let x = try #require(r.statistics.first { $0.name == "x_shift_um" })
        #expect(x.difference < -20 && abs(x.difference) > 10 * (x.error ?? .infinity), "x shift \(x.difference) +- \(x.error ?? .nan)")
        #expect(x.pit < 0.1)
    }

    /// PixelAV's clusters read from the reference archive give, per condition, the means
    /// pixelav-grid.json lists (the same clusters through the same definitions). The archive
    /// holds whole electrons where the grid was computed from PixelAV's tenths, and float32
    /// positions: the early minimum may move by up to 0.5 e, a centroid by 0.5 e x 12.5 um
    /// over thousands of electrons (below 0.01 um), a fraction by 0.5 e x 273 pixels over
    /// the total (below 0.02); the sizes must agree exactly.
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func readsPixelAVClustersAsTheGridDefinesThem() throws {
        let sim = try ClusterSimulator()
        let clusters = try PairedValidation.load(npz: Reference.directory! + "/pixelav-grid-clusters.npz", shape: sim.shape, thickness: 100)
        #expect(clusters.count == 450)
        let grid = try ValidationCondition.load(path: Reference.directory! + "/pixelav-grid.json")
        let results = PairedValidation.run(clusters, simulator: sim, repeats: 2, seed: 1)
        #expect(results.count == grid.count)
        for r in results {
            let condition = try #require(grid.first { abs($0.cotAlpha - r.cotAlpha) < 1e-6 && abs($0.cotBeta - r.cotBeta) < 1e-6 })
            let ref = try #require(condition.reference)
            #expect(r.clusters == 50 && r.skipped == 0)
            func reference(_ name: String) -> Double? { r.statistics.first { $0.name == name }?.reference }
            let expected: [(String, Double, Double)] =
                [
                    ("x_size", ref.xSize, 1e-9), ("y_size", ref.ySize, 1e-9), ("x_shift_um", ref.xShift, 0.01), ("y_shift_um", ref.yShift, 0.01),
                    ("min_neighbour", ref.minNeighbour, 0.5),
                ] + (0..<5).map { ("charge_fraction[\($0)]", ref.chargeFraction[$0], 0.02) }
            for (name, value, tolerance) in expected {
                let got = try #require(reference(name), "\(name)")
                #expect(abs(got - value) <= tolerance, "\(name) at \(r.cotAlpha), \(r.cotBeta): \(got) vs \(value)")
            }
        }
    }

    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func badArchivesAreNamed() throws {
        let path = Reference.directory! + "/pixelav-grid-clusters.npz"
        #expect {
            try PairedValidation.load(npz: path, shape: FrameShape(rows: 13, columns: 21, slices: 2), thickness: 100)
        } throws: { ($0 as? PairedValidation.Invalid)?.description.contains("(N, 2, 13, 21)") == true }
        #expect {
            try PairedValidation.load(npz: path, shape: .smartPixels, thickness: 150)
        } throws: { ($0 as? PairedValidation.Invalid)?.description.contains("cluster 0: z-entry") == true }
        #expect {
            try PairedValidation.load(npz: "/nonexistent/clusters.npz", shape: .smartPixels, thickness: 100)
        } throws: { ($0 as? PairedValidation.Invalid)?.description.hasPrefix("/nonexistent/clusters.npz") == true }
    }

    /// Repeats that agree to rounding (x shifts at cotAlpha 0) have no spread to divide by:
    /// the spread is then that of the tracks that do vary, not 1e14.
    @Test func repeatsEqualToRoundingGiveNoSpread() {
        var flat = PairedValidation.Summary(), varying = PairedValidation.Summary(), other = PairedValidation.Summary()
        for x in [1e-15, 2e-15, 1e-15, 3e-15] { flat.add(x, reference: -2.9) }
        for x in [-1.0, 1.0, 0.5, -0.5] { varying.add(x, reference: 0.3) }
        for x in [-2.0, 0.0, 1.0, 1.0] { other.add(x, reference: -0.7) }
        let s = PairedValidation.statistic("x_shift_um", [(-2.9, flat), (0.3, varying), (-0.7, other)])
        #expect(s.spread.map { $0 < 10 } == true, "spread \(String(describing: s.spread))")
    }
}
