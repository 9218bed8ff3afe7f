import Foundation
import Randomness
import ReferenceData
import Testing

@testable import ReadoutSim

/// Straggling of thin segments against PixelAV's own clusters. At cotAlpha 4 each 50 um
/// column holds the charge of 12.5 um of depth (51.5 um of path), so the columns a track
/// crosses from side to side sample the energy-loss distribution of a layer half as thick as
/// the sensor, where it is broader than Landau's (Bichsel). PixelAV's 150 clusters at
/// cotAlpha 4 give about 1,000 such columns: its quantiles carry about 1 % statistical
/// error. A 5 % tolerance leaves room for the residual of our sampling of Bichsel's spectrum
/// (2 % at the lower quartile) and fails the Landau-like spectrum we had before (13 % at
/// the 10 % quantile).
@Suite struct StragglingTests {
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func thinSegmentsStraggleAsInPixelAV() throws {
        let archive = try NumPyArchive.load(path: Reference.directory! + "/pixelav-grid-clusters.npz")
        let charge = try #require(archive["charge"]).int32(), labels = try #require(archive["labels"]).float64()
        var reference: [Double] = []
        for c in 0..<(labels.count / 13) where abs(labels[c * 13 + 9] - 4) < 1e-3 {
            // npz columns: x-midplane is label 11; the last slice is slice 19.
            let last = (c * 20 + 19) * 273
            reference += Self.crossedColumns(xMidplane: labels[c * 13 + 11], cotAlpha: 4) { Double(charge[last + $0]) }
        }
        #expect(reference.count > 900)

        let sim = try ClusterSimulator()
        var rng = SplitMix64(seed: 21)
        var ours: [Double] = []
        for cotBeta in [-0.25, 0, 0.25] {
            var gun = FixedAngleGun(cotAlpha: 4, cotBeta: cotBeta)
            for _ in 0..<120 {
                let track = gun.next(&rng)!
                let cluster = sim.simulate(track, rng: &rng)
                let last = 19 * 273
                ours += Self.crossedColumns(xMidplane: track.xMidplane, cotAlpha: 4) { Double(cluster.charge[last + $0]) }
            }
        }
        func quantile(_ v: [Double], _ p: Double) -> Double { v.sorted()[Int(p * Double(v.count))] }
        for p in [0.10, 0.25, 0.50] {
            let a = quantile(ours, p), b = quantile(reference, p)
            #expect(abs(a / b - 1) < 0.05, "\(Int(p * 100)) % quantile of the column charge: \(a) e, PixelAV \(b) e")
        }
    }

    /// The charges of the columns (50 um pitch, centred at (c - 10) x 50 um) that lie at least
    /// 5 um inside the track's x span, so that each holds a full depth slice of the track;
    /// `pixel(row * 21 + column)` is the last slice's charge.
    static func crossedColumns(xMidplane: Double, cotAlpha: Double, pixel: (Int) -> Double) -> [Double] {
        let half = abs(cotAlpha) * 50
        return (0..<21).filter { c in
            let centre = Double(c - 10) * 50
            return centre - 25 > xMidplane - half + 5 && centre + 25 < xMidplane + half - 5
        }.map { column in (0..<13).reduce(0.0) { $0 + pixel($1 * 21 + column) } }
    }
}
