import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import ReadoutSim

@Suite struct TrackTests {
    /// PixelAV's track lists use CMS naming: the first column is the angle in the bending
    /// plane (our cotBeta), the second the angle along the beam (our cotAlpha).
    @Test func trackListColumnsAreCMSNamed() throws {
        let list = try TrackList.parse("# cotb cota p flip x y pt\n0.125 -2.5 1.5 1 0.3 -4.2 -1.2\n\n", name: "tracks.txt")
        #expect(list.entries.count == 1)
        var source = list
        var rng = SplitMix64(seed: 1)
        let next = source.next(&rng)
        let t = try #require(next)
        #expect(t.cotBeta == 0.125 && t.cotAlpha == -2.5 && t.momentum == 1.5)
        #expect(t.flipped && t.yModule == -4.2 && t.pt == -1.2 && t.charge == -1)
        #expect(source.next(&rng) == nil)
    }

    @Test func malformedTrackListsNameFileAndLine() {
        func message(_ text: String) -> String? {
            do {
                _ = try TrackList.parse(text, name: "t.txt")
                return nil
            } catch { return error.description }
        }
        #expect(message("0.1 0.2 10 0 0 0 1\n0.1 0.2 10 0 0 1\n")?.hasPrefix("t.txt:2: expected 7 numbers") == true)
        #expect(message("0.1 x 10 0 0 0 1\n")?.hasPrefix("t.txt:1: field 2 'x'") == true)
        #expect(message("0.1 0.2 -10 0 0 0 1\n")?.contains("momentum must be positive") == true)
        #expect(message("0.1 0.2 10 2 0 0 1\n")?.contains("flipped must be 0 or 1") == true)
        #expect(message("# nothing\n")?.contains("no tracks") == true)
        #expect(message("0.1 0.2 nan 0 0 0 1\n") != nil)
    }

    /// Barrel tracks follow physics.md's kinematics: cotBeta from pT and y0 exactly as
    /// BarrelKinematics, cotAlpha = sinh(eta) within +-sinh(2.5), hits in the central 3 x 3.
    @Test func barrelTracks() {
        var tracks = BarrelTracks(spectrum: .flat(0.5...5))
        var rng = SplitMix64(seed: 2)
        let k = BarrelKinematics()
        var pts: [Double] = []
        for _ in 0..<10_000 {
            let t = tracks.next(&rng)!
            #expect(abs(t.cotBeta - k.cotBeta(pt: t.pt, y0: t.yModule)) < 1e-12)
            #expect(abs(t.cotAlpha) <= sinh(2.5) + 1e-12 && abs(t.yModule) <= 8.1)
            #expect(abs(t.xMidplane) <= 75 && abs(t.yMidplane) <= 18.75)
            #expect(abs(t.pt) >= 0.5 && abs(t.pt) <= 5)
            pts.append(abs(t.pt))
        }
        // Flat in 0.5-5 GeV: mean 2.75, standard error 1.3 / 100.
        #expect(abs(pts.reduce(0, +) / 1e4 - 2.75) < 0.05)
    }

    /// The minimum-bias spectrum is soft: mean pT near 2 p0 / (n - 3) = 0.52 GeV for the
    /// Hagedorn form (slightly above, as the 0.1 GeV cut removes the softest tracks).
    @Test func minimumBiasSpectrumIsSoft() {
        let spectrum = PtSpectrum.minimumBias()
        let table = spectrum.makeTable()
        var rng = SplitMix64(seed: 3)
        let mean = (0..<100_000).map { _ in spectrum.sample(&rng, table: table) }.reduce(0, +) / 1e5
        #expect(mean > 0.5 && mean < 0.65, "mean pT \(mean)")
    }

    @Test func endcapTracksHaveNoBarrelBending() {
        var tracks = EndcapTracks(spectrum: .flat(1...5))
        var rng = SplitMix64(seed: 4)
        for _ in 0..<1000 {
            let t = tracks.next(&rng)!
            #expect(t.cotAlpha >= 30.0 / 300 && t.cotAlpha <= 160.0 / 300)
            #expect(abs(t.cotBeta) < t.cotAlpha)
        }
    }
}
