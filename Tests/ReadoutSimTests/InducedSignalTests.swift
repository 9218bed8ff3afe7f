import Foundation
import Randomness
import Testing

@testable import ReadoutSim

@Suite struct InducedSignalTests {
    /// Carriers diffuse while they drift, so a hole close to its cell's y edge is partly over
    /// the next row already, where the potential's reach (the pixel and its eight neighbours,
    /// as in PixelAV) is one row over. The induced charge must be the average over the
    /// diffusion cloud: checked pixel by pixel against a carrier-by-carrier Monte Carlo
    /// (Gaussian clouds of the drift table's widths around the drifted positions) for a
    /// packet 0.5 um above a row edge (the Lorentz drift takes it across), in the slices after its electron has landed while its
    /// hole still drifts (the hole transients are what neighbours show early).
    @Test func diffusionSmoothsTheReachOfThePotential() throws {
        let signal = try ClusterSimulator().signal
        let drift = signal.drift, w = signal.potential
        let (px, py, rows, columns) = (signal.pitchX, signal.pitchY, signal.rows, signal.columns)
        let x0 = 3.0, y0 = -0.5 * py + 0.5, z0 = 60.0, pairs = 1000.0
        var packets = ChargePackets()
        packets.append(x: x0, y: y0, z: z0, pairs: pairs)
        var frame: [Float] = [], scratch: [Float] = []
        signal.induce(packets, into: &frame, collected: &scratch)

        let depthRow = drift.row(depth: z0), fate = drift.fates[depthRow]
        let landed = Int(fate.electronCollectedSlice), holeGone = Int(fate.holeCollectedSlice)
        #expect(holeGone - landed >= 4)
        func pixel(_ x: Double, _ y: Double) -> Int? {
            let (dc, dr) = signal.nearestPixel(x: x, y: y)
            let c = dc + columns / 2, r = dr + rows / 2
            return (0..<columns).contains(c) && (0..<rows).contains(r) ? r * columns + c : nil
        }
        var rng = SplitMix64(seed: 5)
        let samples = 20000
        var beyondReach = 0.0
        for k in landed..<holeGone {
            let step = drift.steps[depthRow * drift.slices + k]
            var sum = [Double](repeating: 0, count: rows * columns), sum2 = sum
            for _ in 0..<samples {
                var one = [Double](repeating: 0, count: rows * columns)
                let se = Double(fate.finalSigma)
                if let i = pixel(x0 + se * rng.gaussian(), y0 + Double(fate.finalShift) + se * rng.gaussian()) { one[i] += 1 }
                let sh = Double(step.holeSigma)
                let x = x0 + sh * rng.gaussian(), y = y0 + Double(step.holeShift) + sh * rng.gaussian()
                for r in 0..<rows {
                    for c in 0..<columns {
                        // value() is zero beyond the reach: the truncation a carrier sees.
                        one[r * columns + c] -= w.value(x: x - Double(c - columns / 2) * px, y: y - Double(r - rows / 2) * py, z: Double(step.holeDepth))
                    }
                }
                for i in one.indices {
                    sum[i] += one[i]
                    sum2[i] += one[i] * one[i]
                }
            }
            for i in sum.indices {
                let m = sum[i] / Double(samples)
                let mean = m * pairs, error = (max(sum2[i] / Double(samples) - m * m, 0) / Double(samples)).squareRoot() * pairs
                let got = Double(frame[k * rows * columns + i])
                // Four Monte Carlo errors, and 1 % for the cloud's spread within the reach
                // (not modelled: W is smooth there, its curvature changes values by < 1 %).
                #expect(
                    abs(got - mean) <= 4 * error + 0.01 * abs(mean) + 0.02,
                    "slice \(k), row \(i / columns), column \(i % columns): \(got) e, Monte Carlo \(mean) +- \(error)")
                if i / columns == rows / 2 - 2 { beyondReach += abs(mean) }
            }
        }
        // The row beyond the edge, out of reach of the packet's own cell, is reached.
        #expect(beyondReach > 5)
    }

    /// The window is a chip's cluster: charge landing outside it is lost, and carriers just
    /// outside still induce on its edge row. (PixelAV finds a carrier's pixel by truncating
    /// toward zero, which piles the row below the window into row 0, and lets carriers
    /// outside the window induce nothing; docs/physics.md, "PixelAV's own algorithm on the
    /// same tracks".)
    @Test func theWindowEdgeNeitherPilesUpChargeNorHidesCarriersBesideIt() throws {
        let signal = try ClusterSimulator().signal
        let drift = signal.drift, py = signal.pitchY, rows = signal.rows, columns = signal.columns
        let z0 = 60.0, pairs = 1000.0
        let fate = drift.fates[drift.row(depth: z0)]
        let landed = Int(fate.electronCollectedSlice), holeGone = Int(fate.holeCollectedSlice), last = signal.slices - 1
        #expect(landed < holeGone && holeGone <= last && fate.finalSurvival == 1)
        let lowerEdge = (-Double(rows / 2) - 0.5) * py, sigma = Double(fate.finalSigma)
        func frame(landingAt y: Double) -> [Float] {
            var packets = ChargePackets()
            packets.append(x: 0, y: y - Double(fate.finalShift), z: z0, pairs: pairs)
            var out: [Float] = [], scratch: [Float] = []
            signal.induce(packets, into: &out, collected: &scratch)
            return out
        }
        func rowZero(_ f: [Float], slice k: Int) -> Double { (0..<columns).reduce(0) { $0 + Double(f[k * rows * columns + $1]) } }
        func window(_ f: [Float], slice k: Int) -> Double { f[(k * rows * columns)..<((k + 1) * rows * columns)].reduce(0) { $0 + Double($1) } }

        // Landing 1 um below the window: row 0 keeps only the part of the cloud above the edge.
        let near = frame(landingAt: lowerEdge - 1)
        let inside = 0.5 * erfc(1 / (sigma * 2.0.squareRoot()))
        #expect(inside > 0.05 && inside < 0.5)
        #expect(
            abs(rowZero(near, slice: last) - pairs * inside) < 0.01 * pairs, "row 0 \(rowZero(near, slice: last)) e, cloud above the edge \(pairs * inside) e")
        #expect(abs(window(near, slice: last) - pairs * inside) < 0.01 * pairs)

        // Landing in the middle of the row below: nothing is collected in the window, yet while the
        // hole drifts away after its electron has landed, row 0 shows its negative transient.
        let beside = frame(landingAt: lowerEdge - 0.5 * py)
        #expect(abs(window(beside, slice: last)) < 0.01 * pairs)
        #expect(rowZero(beside, slice: landed) < -0.01 * pairs, "row 0 at slice \(landed): \(rowZero(beside, slice: landed)) e")
    }
}
