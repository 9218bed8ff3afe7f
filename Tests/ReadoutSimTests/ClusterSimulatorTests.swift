import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import ReadoutSim

@Suite struct ClusterSimulatorTests {
    static let simulator = try! ClusterSimulator()

    /// Shockley-Ramo: once every carrier has arrived, the induced charges add up to the pairs
    /// created (electrons on the pixels, holes on the back plane at W = 0), and before that
    /// the total rises monotonically.
    @Test func chargeIsConservedOnceCollected() {
        var rng = SplitMix64(seed: 11)
        for angles in [(0.0, 0.0), (1.0, 0.25), (3.0, -0.3)] {
            let c = Self.simulator.simulate(Track(cotAlpha: angles.0, cotBeta: angles.1), rng: &rng)
            let totals = (0..<20).map { k in c.charge[(k * 273)..<((k + 1) * 273)].reduce(0.0) { $0 + Double($1) } }
            let pairs = Double(c.truth(.numberEHPairs))
            // Float sums over ~50-200 packets: relative 1e-5.
            #expect(abs(totals[19] - pairs) < 1e-5 * pairs + 1, "final \(totals[19]) vs \(pairs) pairs at \(angles)")
            #expect(zip(totals, totals.dropFirst()).allSatisfy { $0 <= $1 + 1e-3 * pairs })
            // Neighbours go negative early (bipolar transients) and not at the end.
            #expect(c.charge[0..<(5 * 273)].min()! < 0)
            #expect(c.charge[(19 * 273)...].min()! >= -1e-3)
        }
    }

    /// Truth labels follow the smart-pixels-ml definitions: entry at z = thickness,
    /// x-entry = x-midplane + (d/2) cotAlpha, unit direction with n_z < 0.
    @Test func truthLabels() {
        var rng = SplitMix64(seed: 12)
        let t = Track(cotAlpha: 4, cotBeta: 0.25, xMidplane: -47.5, yMidplane: -5.4, momentum: 2.5, charge: 1, yModule: 3.2)
        let c = Self.simulator.simulate(t, rng: &rng)
        #expect(c.truth(.zEntry) == 100)
        #expect(abs(c.truth(.xEntry) - 152.5) < 1e-4)
        #expect(abs(c.truth(.yEntry) - 7.1) < 1e-4)
        #expect(abs(c.truth(.nX) / c.truth(.nZ) - 4) < 1e-5 && c.truth(.nZ) < 0)
        #expect(c.truth(.cotBeta) == 0.25 && c.truth(.pt) == 2.5 && c.truth(.yLocal) == Float(3.2))
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        func run(_ seed: UInt64) -> [Float] {
            var rng = SplitMix64(seed: seed)
            var tracks = BarrelTracks()
            return (0..<20).flatMap { _ in Self.simulator.simulate(tracks.next(&rng)!, rng: &rng).charge }
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
    }

    /// A flipped module is the unflipped one turned over: same draws, mirrored track, rows
    /// reversed; its Lorentz drift goes to +y.
    @Test func flippedModulesMirrorTheRows() {
        let t = Track(cotAlpha: 0.5, cotBeta: 0.1, xMidplane: 3, yMidplane: 2)
        var flipped = t
        flipped.flipped = true
        var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5)
        let f = Self.simulator.simulate(flipped, rng: &a).charge
        let m = Self.simulator.simulate(t.mirroredInY, rng: &b).charge
        for k in 0..<20 {
            for r in 0..<13 {
                for c in 0..<21 { #expect(f[(k * 13 + r) * 21 + c] == m[(k * 13 + 12 - r) * 21 + c]) }
            }
        }
        // Centroid of the flipped cluster lies above the track (Lorentz drift to +y).
        var rng = SplitMix64(seed: 6)
        var shift = 0.0
        for _ in 0..<50 {
            let charge = Self.simulator.simulate(Track(cotAlpha: 0, cotBeta: 0, flipped: true), rng: &rng).charge
            var w = 0.0, wy = 0.0
            for r in 0..<13 {
                for c in 0..<21 where charge[(19 * 13 + r) * 21 + c] > 0 {
                    w += Double(charge[(19 * 13 + r) * 21 + c])
                    wy += Double(charge[(19 * 13 + r) * 21 + c]) * Double(r - 6) * 12.5
                }
            }
            shift += wy / w / 50
        }
        #expect(shift > 10 && shift < 20, "flipped Lorentz shift \(shift) um")
    }

    @Test func badSettingsAreRefused() {
        var s = SimulationSettings()
        s.rows = 12
        #expect(throws: SimulationSettings.Invalid.self) { try ClusterSimulator(s) }
        s = SimulationSettings()
        s.sliceTimes = [0.2, 0.2]
        #expect(throws: SimulationSettings.Invalid.self) { try ClusterSimulator(s) }
        var conditions = SensorConditions()
        conditions.depletionVoltage = 150
        #expect(throws: Sensor.Invalid.underDepleted(bias: 100, depletion: 150)) { try Sensor(conditions: conditions) }
        conditions = SensorConditions()
        conditions.temperature = -3
        #expect(throws: Sensor.Invalid.self) { try Sensor(conditions: conditions) }
        for depth in [-1.0, 26, .nan] {
            conditions = SensorConditions()
            conditions.implantDepth = depth
            #expect(throws: Sensor.Invalid.self, "implant depth \(depth)") { try Sensor(conditions: conditions) }
        }
    }
}
