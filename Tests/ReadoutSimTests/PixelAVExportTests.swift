import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import ReadoutSim

/// Exports as PixelAV writes them, so that smart-pixels-ml (which counts every non-zero value
/// as a hit) sees the same clusters from both.
@Suite struct PixelAVExportTests {
    /// PixelAV's high-statistics clusters, each simulated once on its own track (angles and
    /// hit): the non-zero pixels per cluster after rounding to whole electrons agree with
    /// PixelAV's within 5 % (the clusters' sizes agree within 3-7 %, docs/physics.md; the
    /// sample's own error on the mean is about 0.5 %), in the last slice (recon2D) and over all
    /// 20 (recon3D). Unrounded, sub-electron induction more than doubles the count.
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func nonZeroPixelsMatchPixelAVOnTheSameTracks() throws {
        let folder = Reference.directory!
        let shape = FrameShape(rows: 13, columns: 21, slices: 20)
        let all = try PairedValidation.load(npz: folder + "/pixelav-highstat-clusters.npz", shape: shape, thickness: 100)
        let clusters = stride(from: 0, to: all.count, by: 4).map { all[$0] }
        let sim = try ClusterSimulator()
        var rng = SplitMix64(seed: 12)
        var workspace = ClusterSimulator.Workspace()
        var charge: [Float] = []
        let perSlice = 13 * 21
        var ours = (last: 0, all: 0, unrounded: 0), theirs = (last: 0, all: 0)
        for c in clusters {
            _ = sim.simulate(c.track, charge: &charge, workspace: &workspace, rng: &rng)
            ours.unrounded += charge.suffix(perSlice).filter { $0 != 0 }.count
            PixelAVExport.wholeElectrons(&charge)
            ours.last += charge.suffix(perSlice).filter { $0 != 0 }.count
            ours.all += charge.filter { $0 != 0 }.count
            theirs.last += c.charge.suffix(perSlice).filter { $0.rounded() != 0 }.count
            theirs.all += c.charge.filter { $0.rounded() != 0 }.count
        }
        let n = Double(clusters.count)
        let last = Double(ours.last) / Double(theirs.last), whole = Double(ours.all) / Double(theirs.all)
        print(
            "non-zero pixels per cluster, \(clusters.count) clusters: last slice \(Double(ours.last) / n) vs PixelAV \(Double(theirs.last) / n) (unrounded \(Double(ours.unrounded) / n)); 20 slices \(Double(ours.all) / n) vs \(Double(theirs.all) / n)"
        )
        #expect(abs(last - 1) < 0.05, "last slice: ratio \(last)")
        #expect(abs(whole - 1) < 0.05, "20 slices: ratio \(whole)")
        #expect(Double(ours.unrounded) > 1.5 * Double(ours.last))
        // Whole electrons, and no negative zero.
        #expect(charge.allSatisfy { $0 == $0.rounded() && ($0 != 0 || $0.sign == .plus) })
    }

    /// n_x, n_y, n_z in an export are momentum components in GeV, as in PixelAV's datasets:
    /// a 10 GeV track at cotBeta -0.25 gives (0, 2.43, -9.70) like PixelAV's first cluster.
    @Test func directionColumnsBecomeMomentumComponents() throws {
        let sim = try ClusterSimulator()
        let track = Track(cotAlpha: 0, cotBeta: -0.25, momentum: 10)
        var truth = sim.truth(track, pairs: 1)
        PixelAVExport.momentumComponents(&truth, momentum: track.momentum)
        #expect(abs(truth[TruthLabel.nX.rawValue]) < 1e-6)
        #expect(abs(truth[TruthLabel.nY.rawValue] - 2.425356) < 1e-4 && abs(truth[TruthLabel.nZ.rawValue] + 9.701425) < 1e-4)
    }

    /// A track-list line may carry its hit (x-midplane, y-midplane um): the same tracks, hit for hit.
    @Test func trackListLinesMayGiveTheHit() throws {
        var list = try TrackList.parse("-0.25 0 10 0 0 0 10 52.3 -13.8\n0 1 10 0 0 0 10\n", name: "t")
        var rng = SplitMix64(seed: 1)
        let firstTrack = list.next(&rng)
        let first = try #require(firstTrack)
        #expect(first.xMidplane == 52.3 && first.yMidplane == -13.8 && first.cotBeta == -0.25)
        let secondTrack = list.next(&rng)
        let second = try #require(secondTrack)
        #expect(abs(second.xMidplane) <= 75 && abs(second.yMidplane) <= 18.75)
        #expect(throws: TrackList.Invalid.self) { try TrackList.parse("0 0 10 0 0 0 10 900 0\n", name: "t") }
        #expect(throws: TrackList.Invalid.self) { try TrackList.parse("0 0 10 0 0 0 10 1\n", name: "t") }
    }
}
