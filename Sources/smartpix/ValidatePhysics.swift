import ArgumentParser
import CommandLineSupport
import Foundation
import Plots
import ReadoutSim

struct ValidatePhysics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-physics",
        abstract: "Simulate PixelAV's reference conditions and print our observables beside PixelAV's.",
        discussion: """
            Default conditions: ../shared/reference/pixelav-grid.json (10 GeV pions on the type-2 \
            sensor, 50 x 12.5 x 100 um at 100 V, 263 K, 3.8 T; hit uniform over the central \
            3 x 3 pixels; no noise or threshold). Observables, as that file defines them: \
            total charge (last slice) most probable value (250 e bins) and median in electrons; \
            fraction of the final charge per 200 ps slice; mean numbers of columns (x) and rows \
            (y) with a pixel above 400 e; mean charge-weighted centroid minus the true mid-plane \
            position, in micrometres; mean of the most negative pixel in slices 0-4, electrons. \
            A value agrees when it is within 10 % of PixelAV's (2 um for the shifts) or, where \
            PixelAV's error on its 50 clusters is larger, within two of those errors.

            With --paired, PixelAV's own clusters (pixelav-grid-clusters.npz) are compared one \
            by one: each cluster's track (angles, momentum, hit) is simulated --repeats times, \
            and per condition and observable it prints PixelAV's mean, ours on the same tracks, \
            their mean difference with its standard error and in units of it (sigma), the mean \
            PIT (where PixelAV's value falls in our distribution for its track: 0.5 +- its error \
            when PixelAV's clusters could be draws of ours) and the spread (PixelAV's scatter \
            around our track means in units of ours: 1 when alike). Per-cluster total charge \
            replaces the MPV and median.
            """
    )

    @Option(help: "A JSON array of objects with cot_alpha, cot_beta and optionally geometry (type1..type7) and count.")
    var conditions: String?

    @Option(help: "Clusters simulated per condition when the condition does not say (default 2000).")
    var count: Int?

    @Flag(help: "Compare with PixelAV's own clusters, each on its own track (see the discussion).")
    var paired = false

    @Option(help: "With --paired: simulations of each reference cluster's track (default 200).")
    var repeats: Int?

    @OptionGroup var model: PhysicsModelOptions

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Depth of the undepleted implant at each face for the linear field, micrometres.",
            discussion: "0 spreads the bias over the whole thickness, as the field model did before (docs/physics.md).", valueName: "um"))
    var implantDepth = SensorConditions.defaultImplantDepth

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "Also draw the comparison as an SVG file.",
            discussion:
                "Left: fraction of the final charge against time per condition (lines: this simulator; points: PixelAV with errors). Right: every observable's deviation in units of the allowed difference; the shaded band is agreement. With --paired: one cell per observable and condition, coloured by the difference in standard errors and labelled with the mean PIT.",
            valueName: "file.svg"))
    var plot: String?

    @Flag(
        help:
            "Print one JSON object: {conditions: [{cot_alpha, cot_beta, charge_mpv, charge_median, charge_fraction, x_size, y_size, y_shift_um, x_shift_um, min_neighbour, pixelav, comparisons}]}; with --paired {repeats, conditions: [{cot_alpha, cot_beta, n, skipped, empty_repeats, statistics: [{name, pixelav, simulated, difference, error, pit, pit_error, spread}]}]}."
    )
    var json = false

    func validate() throws {
        try OutputPath.check(plot, flag: "--plot")
        if let count, !(1...1_000_000).contains(count) { throw ValidationError("--count must be 1 to 1000000, got \(count)") }
        if let repeats, !(2...100_000).contains(repeats) { throw ValidationError("--repeats must be 2 to 100000, got \(repeats)") }
        if paired {
            if conditions != nil { throw ValidationError("--paired compares the reference clusters' own tracks; --conditions does not apply") }
            if count != nil { throw ValidationError("--paired simulates each reference cluster --repeats times; --count does not apply") }
        } else if repeats != nil {
            throw ValidationError("--repeats applies only with --paired")
        }
        if model.field == .pixelav && implantDepth != SensorConditions.defaultImplantDepth {
            throw ValidationError("--implant-depth shapes the linear field; --field pixelav takes PixelAV's map instead")
        }
    }

    func run() throws {
        var settings = SimulationSettings()
        var sensorConditions = settings.sensor.conditions
        sensorConditions.implantDepth = implantDepth
        do {
            settings.sensor = try Sensor(geometry: settings.sensor.geometry, conditions: sensorConditions)
        } catch {
            throw ValidationError("--implant-depth: \(error)")
        }
        try model.apply(to: &settings)
        if paired { return try runPaired(settings) }
        let list: [ValidationCondition]
        if let path = conditions {
            list = try ValidationCondition.load(path: path)
        } else {
            list = try ValidationCondition.load(path: try ReferenceFolder.locate(model.reference, for: "validate-physics") + "/pixelav-grid.json")
        }
        let start = ContinuousClock.now
        let results = try PhysicsValidation.run(list, settings: settings, defaultCount: count ?? 2000, seed: seed)
        let elapsed = ContinuousClock.now - start
        if let plot { try writePlot(results, settings: settings, to: plot) }
        if json {
            try printJSON(Report(conditions: results.map(Report.Entry.init)))
            return
        }
        print(
            "PixelAV comparison (\(PhysicsModelOptions.describe(settings))), simulated in \(inSeconds(elapsed))"
        )
        var agreeing = 0, total = 0
        for r in results {
            let o = r.observables
            print("")
            print("cotAlpha \(fmt(r.condition.cotAlpha, 2))  cotBeta \(fmt(r.condition.cotBeta, 2))  \(r.condition.geometry ?? "type2")  \(o.count) clusters")
            guard let ref = r.condition.reference else {
                print(
                    "  charge MPV \(fmt(o.chargeMPV, 0)) e, median \(fmt(o.chargeMedian, 0)) e; size x \(fmt(o.xSize, 2)), y \(fmt(o.ySize, 2)); shift y \(fmt(o.yShift, 1)) um, x \(fmt(o.xShift, 1)) um; min neighbour \(fmt(o.minNeighbour, 0)) e"
                )
                print("  charge fraction: " + o.chargeFraction.prefix(12).map { fmt($0, 3) }.joined(separator: " "))
                continue
            }
            print("  " + pad("observable", 18) + pad("this sim", 10) + pad("PixelAV", 10) + pad("+-", 8) + pad("diff", 9) + "agrees")
            for c in ReferenceComparison.compare(o, ref, errors: r.condition.errors) {
                let digits = decimals(for: c.reference)
                let diff =
                    c.name.hasSuffix("_um") ? fmt(c.simulated - c.reference, 1) + " um" : fmt(100 * (c.simulated - c.reference) / abs(c.reference), 1) + " %"
                print(
                    "  " + pad(c.name, 18) + pad(fmt(c.simulated, digits), 10) + pad(fmt(c.reference, digits), 10) + pad(fmt(c.referenceError, digits), 8)
                        + pad(diff, 9) + (c.agrees ? "yes" : "NO"))
                total += 1
                if c.agrees { agreeing += 1 }
            }
        }
        if total > 0 { print("\n\(agreeing) of \(total) comparisons agree") }
    }

    func runPaired(_ settings: SimulationSettings) throws {
        let path = try ReferenceFolder.locate(model.reference, for: "validate-physics --paired") + "/pixelav-grid-clusters.npz"
        let simulator = try ClusterSimulator(settings)
        let clusters = try PairedValidation.load(npz: path, shape: simulator.shape, thickness: settings.sensor.geometry.thickness)
        let repeats = repeats ?? 200
        let start = ContinuousClock.now
        // Progress on stderr in steps of 5 % when the run takes more than about a minute.
        let step = clusters.count * repeats >= 3_000_000 ? max(clusters.count / 20, 1) : Int.max
        let results = PairedValidation.run(clusters, simulator: simulator, repeats: repeats, seed: seed) { done, total in
            if done % step == 0 || (done == total && step != Int.max) {
                FileHandle.standardError.write(Data("validate-physics --paired: \(done) of \(total) clusters simulated\n".utf8))
            }
        }
        let elapsed = ContinuousClock.now - start
        if let plot { try writePairedPlot(results, settings: settings, repeats: repeats, to: plot) }
        if json {
            try printJSON(PairedReport(repeats: repeats, conditions: results))
            return
        }
        print(
            "Paired comparison with PixelAV's clusters (\(PhysicsModelOptions.describe(settings))): each cluster's track simulated \(repeats) times, in \(inSeconds(elapsed))"
        )
        var within = 0, total = 0
        for r in results {
            print("")
            print(
                "cotAlpha \(fmt(r.cotAlpha, 2))  cotBeta \(fmt(r.cotBeta, 2))  \(r.clusters) clusters"
                    + (r.skipped > 0 ? " (\(r.skipped) without charge left out)" : "")
                    + (r.emptyRepeats > 0 ? " (\(r.emptyRepeats) of our repeats without charge left out)" : ""))
            print(
                "  " + pad("observable", 22) + pad("PixelAV", 10) + pad("this sim", 10) + pad("diff", 10) + pad("+-", 9) + pad("sigma", 7) + pad("PIT", 12)
                    + "spread")
            for s in r.statistics {
                let digits = decimals(for: s.reference)
                let sigma = s.sigma
                print(
                    "  " + pad(s.name, 22) + pad(fmt(s.reference, digits), 10) + pad(fmt(s.simulated, digits), 10) + pad(fmt(s.difference, digits), 10)
                        + pad(s.error.map { fmt($0, digits) } ?? "-", 9) + pad(sigma.map { fmt($0, 1) } ?? "-", 7)
                        + pad(fmt(s.pit, 2) + (s.pitError.map { " +-" + fmt($0, 2) } ?? ""), 12) + (s.spread.map { fmt($0, 2) } ?? "-"))
                if let sigma {
                    total += 1
                    if abs(sigma) <= 3 { within += 1 }
                }
            }
        }
        if total > 0 { print("\n\(within) of \(total) differences within three standard errors") }
    }

    func writePairedPlot(_ results: [PairedValidation.Result], settings: SimulationSettings, repeats: Int, to path: String) throws {
        var names: [String] = []
        for r in results { for s in r.statistics where !names.contains(s.name) { names.append(s.name) } }
        let cells = names.map { name in
            results.map { r in
                r.statistics.first { $0.name == name }.map { s in
                    PairedFigure.Cell(sigma: s.sigma, pit: s.pit)
                }
            }
        }
        let svg = PairedFigure.svg(
            observables: names, conditions: results.map { "\(fmt($0.cotAlpha, 2)), \(fmt($0.cotBeta, 2))" }, cells: cells,
            title: "PixelAV's clusters against this simulator on their own tracks (\(repeats) each; \(PhysicsModelOptions.describe(settings)))")
        try writeFigure(svg, to: path)
    }

    /// Writes an SVG figure for --plot, naming the file when it cannot.
    func writeFigure(_ svg: String, to path: String) throws {
        try OutputPath.write(Data(svg.utf8), to: path, flag: "--plot")
    }

    struct PairedReport: Encodable {
        var repeats: Int
        var conditions: [PairedValidation.Result]
    }

    func writePlot(_ results: [PhysicsValidation.Result], settings: SimulationSettings, to path: String) throws {
        let conditions = results.compactMap { r -> ValidationFigure.Condition? in
            guard let ref = r.condition.reference else { return nil }
            let comparisons = ReferenceComparison.compare(r.observables, ref, errors: r.condition.errors)
            return ValidationFigure.Condition(
                label: "cotAlpha \(fmt(r.condition.cotAlpha, 2)), cotBeta \(fmt(r.condition.cotBeta, 2))", fractions: r.observables.chargeFraction,
                referenceFractions: ref.chargeFraction, referenceFractionErrors: r.condition.errors?.chargeFraction ?? [],
                comparisons: comparisons.map {
                    ValidationFigure.Comparison(name: $0.name, simulated: $0.simulated, reference: $0.reference, tolerance: $0.tolerance)
                })
        }
        guard !conditions.isEmpty else { throw ValidationError("--plot: no condition has reference values to compare with") }
        let width = settings.sliceTimes.count > 1 ? settings.sliceTimes[1] - settings.sliceTimes[0] : settings.sliceTimes.first ?? 0.2
        let svg = ValidationFigure.svg(conditions, sliceWidth: width, title: "This simulator against PixelAV (\(PhysicsModelOptions.describe(settings)))")
        try writeFigure(svg, to: path)
    }

    struct Report: Encodable {
        var conditions: [Entry]

        struct Entry: Encodable {
            var cot_alpha: Double, cot_beta: Double, geometry: String, n: Int
            var charge_mpv: Double, charge_median: Double, charge_fraction: [Double]
            var x_size: Double, y_size: Double, y_shift_um: Double, x_shift_um: Double, min_neighbour: Double
            var pixelav: ClusterObservables?
            var comparisons: [ReferenceComparison]?

            init(_ r: PhysicsValidation.Result) {
                let o = r.observables
                cot_alpha = r.condition.cotAlpha
                cot_beta = r.condition.cotBeta
                geometry = r.condition.geometry ?? "type2"
                n = o.count
                charge_mpv = o.chargeMPV
                charge_median = o.chargeMedian
                charge_fraction = o.chargeFraction
                x_size = o.xSize
                y_size = o.ySize
                y_shift_um = o.yShift
                x_shift_um = o.xShift
                min_neighbour = o.minNeighbour
                pixelav = r.condition.reference
                comparisons = r.condition.reference.map { ReferenceComparison.compare(o, $0, errors: r.condition.errors) }
            }
        }
    }
}

func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
/// Decimals that show a value beside its reference: 3 below 2, 2 below 100, else none.
func decimals(for reference: Double) -> Int { abs(reference) < 2 ? 3 : abs(reference) < 100 ? 2 : 0 }
/// "1.9 secs": how long a comparison took.
func inSeconds(_ d: Duration) -> String { d.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))) }
func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
