import Foundation
import Testing

@testable import ReadoutSim

@Suite struct WeightingPotentialTests {
    /// The pad formula in a grounded plane is 1 on the pad, 0 off it, 1/2 on its edge far below.
    @Test func halfSpaceLimits() {
        #expect(abs(WeightingPotential.halfSpace(x: 0, y: 0, u: 1e-9, a: 25, b: 6.25) - 1) < 1e-6)
        #expect(abs(WeightingPotential.halfSpace(x: 40, y: 0, u: 1e-9, a: 25, b: 6.25)) < 1e-6)
        #expect(abs(WeightingPotential.halfSpace(x: 25, y: 0, u: 1e-6, a: 25, b: 6.25) - 0.5) < 1e-3)
    }

    /// Both analytic models: W rises monotonically toward the pixel along its centre line,
    /// from 0 at the back to 1 on the electrode; the neighbour sees less than the pixel
    /// close to the electrodes.
    @Test(arguments: ["pad", "cell"])
    func shapeOnTheCentreLine(model: String) {
        let g = SensorGeometry.smartPixelsDefault
        let w = model == "pad" ? WeightingPotential.pad(g) : WeightingPotential.cell(g)
        let line = stride(from: 0.0, through: 100, by: 1).map { w.value(x: 0, y: 0, z: $0) }
        // The image series stops at n = 12: W on the electrode is 1 - phi(26 d), 1 - 2e-5.
        #expect(line.first! == 0 && abs(line.last! - 1) < 1e-4)
        #expect(zip(line, line.dropFirst()).allSatisfy { $0 <= $1 + 1e-6 })
        #expect(w.value(x: 0, y: 12.5, z: 95) < w.value(x: 0, y: 0, z: 95))
    }

    /// The pad in a 5 x 5-pixel cell against PixelAV's TCAD map at the points its README
    /// quotes and at the neighbours: within 8 % or 0.004 (the map's own interpolation slip
    /// is a few per cent; the TCAD implant is not a full-pitch pad).
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func cellModelReproducesPixelAVMap() throws {
        let g = SensorGeometry.smartPixelsDefault
        let map = try WeightingPotential.map(npz: Reference.directory! + "/pixelav-maps/pixelav-weighting.npz", geometry: g)
        let cell = WeightingPotential.cell(g)
        let points: [(Double, Double, Double)] = [
            (0, 0, 20), (0, 0, 50), (0, 0, 80), (0, 0, 90), (0, 0, 96), (50, 0, 50), (0, 12.5, 50), (0, 12.5, 88), (50, 12.5, 50), (0, 18.75, 80),
        ]
        for (x, y, z) in points {
            let a = map.value(x: x, y: y, z: z), b = cell.value(x: x, y: y, z: z)
            #expect(abs(a - b) <= max(0.08 * a, 0.004), "W(\(x), \(y), \(z)): map \(a), cell model \(b)")
        }
        // The README's numbers for the map itself.
        #expect(abs(map.value(x: 0, y: 0, z: 50) - 0.0458) < 0.0005)
        #expect(abs(map.value(x: 0, y: 0, z: 96) - 0.608) < 0.001)
    }

    /// A pad much wider than the sensor is thick is a parallel-plate electrode at its centre:
    /// W = z / d. Its image series needs hundreds of terms (a series cut at 12 gave 0.92 at the
    /// pad itself for a 2 mm pad in a 100 um sensor).
    @Test func widePadIsAPlaneAtItsCentre() {
        for z in stride(from: 0.0, through: 100, by: 10) {
            let w = WeightingPotential.padSeries(x: 0, y: 0, u: 100 - z, a: 1000, b: 1000, thickness: 100)
            #expect(abs(w - z / 100) < 1e-3, "z \(z): \(w)")
        }
    }
}
