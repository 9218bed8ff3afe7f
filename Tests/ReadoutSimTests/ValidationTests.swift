import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import ReadoutSim

/// The simulator against PixelAV at the nine reference conditions (pixelav-grid.json, 50
/// clusters each, bootstrap errors sigma), drifting in the same field as PixelAV (the
/// centre line of its TCAD map; the default field is checked below). 2,000 clusters
/// per condition here, as validate-physics runs them, so that our own sampling does not
/// decide a verdict near its limit (with 300, the y size at cotAlpha 1, cotBeta -0.25 and
/// the y shift at cotAlpha 4, cotBeta 0.25 passed or failed with the seed); the combined
/// error is sigma x sqrt(1 + 50/2000). Tolerances, per
/// observable and condition:
/// - charge median, sizes, charge fractions: max(10 %, 3 combined sigma); three sigma
///   because 162 comparisons at two sigma would fail about 8 times by chance alone.
/// - centroid shifts: max(2 um, 3 combined sigma).
/// - charge MPV: max(10 %, 3 combined sigma) (PixelAV's MPV from 50 clusters in 250 e bins
///   carries 10-20 % errors).
/// - most negative neighbour: 30 % plus two combined sigma. Known deviation: in this field
///   we are 23-30 % more negative than PixelAV at cotAlpha 1 (2,000 clusters; within 16 %
///   elsewhere); PixelAV's own weighting map in our chain gives nearly the same excess
///   (docs/physics.md). The allowance still fails a transient lost, doubled or inverted.
@Suite struct ValidationTests {
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func agreesWithPixelAVAtTheReferenceConditions() throws {
        let conditions = try ValidationCondition.load(path: Reference.directory! + "/pixelav-grid.json")
        #expect(conditions.count == 9)
        var settings = SimulationSettings()
        settings.field = try ElectricField.map(npz: Reference.directory! + "/pixelav-maps/pixelav-efield.npz", thickness: 100)
        let results = try PhysicsValidation.run(conditions, settings: settings, defaultCount: 2000, seed: 7)
        let inflation = (1 + 50.0 / 2000).squareRoot()
        for r in results {
            let ref = try #require(r.condition.reference)
            for c in ReferenceComparison.compare(r.observables, ref, errors: r.condition.errors) {
                let allowed: Double
                switch c.name {
                case "min_neighbour": allowed = 0.30 * abs(c.reference) + 2 * inflation * c.referenceError
                case "y_shift_um", "x_shift_um": allowed = max(2, 3 * inflation * c.referenceError)
                default: allowed = max(0.10 * abs(c.reference), 3 * inflation * c.referenceError)
                }
                #expect(
                    abs(c.simulated - c.reference) <= allowed,
                    "\(c.name) at cotAlpha \(r.condition.cotAlpha), cotBeta \(r.condition.cotBeta): \(c.simulated) vs PixelAV \(c.reference)")
            }
        }
    }

    /// The default field (linear across the bulk between 2-um implants, with the slope of the
    /// TCAD field) meets the goal of docs/physics.md: Lorentz shifts within 2 um (it drifts
    /// 0.6-1.1 um more sideways than PixelAV at cotAlpha 0), sizes as above.
    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func linearFieldShiftsAndSizes() throws {
        let conditions = try ValidationCondition.load(path: Reference.directory! + "/pixelav-grid.json").filter { $0.cotAlpha == 0 }
        let results = try PhysicsValidation.run(conditions, defaultCount: 300, seed: 8)
        let inflation = (1 + 50.0 / 300).squareRoot()
        for r in results {
            let ref = try #require(r.condition.reference), e = try #require(r.condition.errors)
            #expect(abs(r.observables.yShift - ref.yShift) <= 2, "y shift \(r.observables.yShift) vs \(ref.yShift) at cotBeta \(r.condition.cotBeta)")
            #expect(abs(r.observables.ySize - ref.ySize) <= max(0.1 * ref.ySize, 3 * inflation * e.ySize))
            #expect(abs(r.observables.xSize - ref.xSize) <= max(0.1 * ref.xSize, 3 * inflation * e.xSize))
        }
    }

    /// The observables as the reference defines them, on a hand-made cluster.
    @Test func observableDefinitions() throws {
        var c = [Float](repeating: 0, count: 2 * 273)
        // Last slice: 600 e at (row 6, col 10) and 300 e at (row 7, col 10); slice 0 negative.
        c[273 + 6 * 21 + 10] = 600
        c[273 + 7 * 21 + 10] = 300
        c[6 * 21 + 10] = 450
        c[5 * 21 + 10] = -40
        let m = try #require(ClusterMeasures(charge: c[...], midplane: (0, 1), rows: 13, columns: 21, slices: 2, pitchX: 50, pitchY: 12.5))
        let o = ClusterObservables([m], slices: 2)
        #expect(o.chargeMedian == 900 && o.chargeMPV == 875)
        #expect(o.ySize == 1 && o.xSize == 1)  // only 600 e is above 400 e
        #expect(abs(o.yShift - (300 * 12.5 / 900 - 1)) < 1e-9 && o.xShift == 0)
        #expect(o.minNeighbour == -40)
        #expect(o.chargeFraction == [0.5 - 40.0 / 900 + 0, 1].map { $0 } || abs(o.chargeFraction[0] - 410.0 / 900) < 1e-12)
    }

    @Test func conditionFilesAreChecked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smartpix-conditions-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func load(_ text: String) throws -> [ValidationCondition] {
            let path = dir.appendingPathComponent("c.json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return try ValidationCondition.load(path: path)
        }
        let ok = try load(#"[{"cot_alpha": 0.5, "cot_beta": -0.1, "geometry": "type5", "count": 20}]"#)
        #expect(ok.count == 1 && ok[0].geometry == "type5" && ok[0].count == 20 && ok[0].reference == nil)
        #expect(throws: ValidationCondition.Invalid.self) { try load(#"[{"cot_alpha": 0.5}]"#) }
        #expect(throws: ValidationCondition.Invalid.self) { try load(#"[{"cot_alpha": 0.5, "cot_beta": 0, "count": 0}]"#) }
        #expect(throws: ValidationCondition.Invalid.self) { try load("[]") }
        // An unknown geometry is refused when the run starts.
        #expect(throws: SensorGeometry.Invalid.self) {
            try PhysicsValidation.run([ValidationCondition(cotAlpha: 0, cotBeta: 0, geometry: "type9")], defaultCount: 1)
        }
    }
}

/// Library draws against the full chain at the same conditions. A library holds a finite
/// number of clusters per grid point (here 4 x 8 positions x 40 variants = 1,280), so its draws
/// carry the statistical error of those, not of the number of draws; every comparison
/// allows 4 standard errors of the difference, computed from the per-cluster spread.
@Suite struct ClusterLibraryTests {
    @Test func libraryMatchesTheFullChain() throws {
        let sim = try ClusterSimulator()
        var grid = LibraryGrid()
        grid.cotAlphaMax = 1
        grid.cotAlphaStep = 0.5
        grid.cotBetaMax = 0.25
        grid.cotBetaStep = 0.25
        grid.variants = 40
        let library = try ClusterLibrary(simulator: sim, grid: grid, keptSlices: Array(0..<20), seed: 3)
        let fe = try FrontEnd(settings: .ideal, rows: 13, columns: 21, slices: 20, seed: 1)
        let distinct = Double(grid.subX * grid.subY * grid.variants), draws = 2000
        // The last condition draws 0.3 GeV pions from the 10 GeV library (charge rescaled).
        for (ca, cb, p) in [(0.0, 0.0, 10.0), (1.0, 0.25, 10), (0.5, -0.25, 10), (0.0, 0.0, 0.3)] {
            var gun = FixedAngleGun(cotAlpha: ca, cotBeta: cb, momentum: p)
            var rng = SplitMix64(seed: 9)
            var a = Sample(), b = Sample()
            var codes: [Int16] = [], truth: [Float] = []
            for _ in 0..<draws {
                let t = gun.next(&rng)!
                var charge: [Float]? = []
                library.draw(t, frontEnd: fe, codes: &codes, charge: &charge, truth: &truth, rng: &rng)
                a.add(charge!, midplaneY: Double(truth[TruthLabel.yMidplane.rawValue]))
                // The same front end on the full chain (it drops pixels that end at zero).
                var simulated = sim.simulate(t, rng: &rng).charge
                fe.digitize(&simulated, codes: &codes, rng: &rng)
                b.add(simulated, midplaneY: t.yMidplane)
            }
            for (name, x, y) in a.quantities.indices.map({ (Sample.names[$0], a.quantities[$0], b.quantities[$0]) }) {
                let error = (x.variance / distinct + y.variance / Double(draws)).squareRoot()
                #expect(abs(x.mean - y.mean) <= 4 * error, "\(name) at (\(ca), \(cb), \(p) GeV): library \(x.mean), full chain \(y.mean), error \(error)")
            }
        }
    }

    /// Per-cluster quantities: total charge, charge fraction at 0.4 and 1.0 ns, rows above
    /// 400 e, y centroid minus mid-plane, most negative early pixel.
    struct Sample {
        static let names = ["total charge", "fraction at 0.4 ns", "fraction at 1.0 ns", "y size", "y shift", "min neighbour"]
        var quantities = Array(repeating: Moments(), count: names.count)

        struct Moments {
            var n = 0.0, sum = 0.0, sumSquares = 0.0
            var mean: Double { sum / n }
            var variance: Double { sumSquares / n - mean * mean }
        }

        mutating func add(_ c: [Float], midplaneY: Double) {
            func total(_ k: Int) -> Double { c[(k * 273)..<((k + 1) * 273)].reduce(0.0) { $0 + Double($1) } }
            let last = total(19)
            var rows = Set<Int>(), w = 0.0, wy = 0.0
            for r in 0..<13 {
                for col in 0..<21 {
                    let q = Double(c[19 * 273 + r * 21 + col])
                    if q > 400 { rows.insert(r) }
                    if q > 0 {
                        w += q
                        wy += q * Double(r - 6) * 12.5
                    }
                }
            }
            let values = [last, total(1) / last, total(4) / last, Double(rows.count), wy / w - midplaneY, Double(min(c[0..<(5 * 273)].min()!, 0))]
            for (i, v) in values.enumerated() {
                quantities[i].n += 1
                quantities[i].sum += v
                quantities[i].sumSquares += v * v
            }
        }
    }

    @Test func drawsAreDeterministic() throws {
        let sim = try ClusterSimulator()
        var grid = LibraryGrid()
        grid.cotAlphaMax = 0.4
        grid.cotBetaMax = 0.1
        let library = try ClusterLibrary(simulator: sim, grid: grid, keptSlices: [0, 19], seed: 1)
        let fe = try FrontEnd(settings: .init(), rows: 13, columns: 21, slices: 2, seed: 1)
        func draw(_ t: Track, seed: UInt64) -> [Int16] {
            var rng = SplitMix64(seed: seed)
            var codes: [Int16] = [], truth: [Float] = [], charge: [Float]? = nil
            library.draw(t, frontEnd: fe, codes: &codes, charge: &charge, truth: &truth, rng: &rng)
            return codes
        }
        let t = Track(cotAlpha: 0.2, cotBeta: 0.05, xMidplane: 10, yMidplane: 4)
        #expect(draw(t, seed: 4) == draw(t, seed: 4))
        #expect(draw(t, seed: 4).contains { $0 != 0 })
        #expect(library.shape == FrameShape(rows: 13, columns: 21, slices: 2))
        #expect(throws: LibraryGrid.Invalid.self) { try ClusterLibrary(simulator: sim, grid: grid, keptSlices: [20]) }
    }
}
