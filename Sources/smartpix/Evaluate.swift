import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim

/// Resolution and calibration of a network as the chip computes it: residuals and pulls of
/// the integer engine's predictions against truth.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Residuals and pulls of a model, evaluated with the integer engine on a fresh simulated test sample.",
        discussion: """
            Simulates --events clusters exactly as readout-sim publishes them (physics mode, \
            barrel, minimum-bias pT, the front end's defaults, the network's input code with the \
            model's constants), from a seed no training set uses (--seed, default 7), runs the \
            integer engine and compares with truth. Residual = prediction - truth (x and y in um); \
            its sigma is the standard deviation; pull = residual / predicted sigma (from the \
            predicted covariance L L^T), whose width is 1 for a calibrated network; a cluster \
            whose predicted sigma is at its 1e-9 floor has no pull: counted per quantity \
            (undefined_pulls) and left out of the widths. Printed \
            overall and binned in |cotBeta|, |cotAlpha| (the cluster's length along x) and pT; \
            sparsity is the fraction of weights whose code is 0 in the integer model, per layer \
            and overall. --json prints one object: residual_sigma and pull_sigma (keys x, y, \
            cot_alpha, cot_beta; x and y in um), residual_mean, sparsity, layer_sparsity, events, \
            model, and the bins by_abs_cot_beta, by_abs_cot_alpha and by_pt_gev (each low, high, \
            events, residual_sigma, pull_sigma). --dataset DIR evaluates on a \
            dataset in smart-pixels-ml's parquet layout instead (recon3D_<tag>.parquet and \
            labels_<tag>.parquet, docs/interop.md): its induced charge goes through the same \
            front end (noise, thresholds, the model's input code), its labels are the truth.
            """
    )

    @Option(help: "Model: a name in models/ (smartpix models) or a model file.")
    var model: String

    @Option(help: "Test clusters to simulate (default 100000); with --dataset, at most this many of the dataset's.")
    var events: Int?

    @Option(
        help: ArgumentHelp(
            "Evaluate on a dataset in smart-pixels-ml's parquet layout instead of a simulated sample.",
            discussion: "A folder with recon3D_<tag>.parquet and labels_<tag>.parquet (all tags, or --tag); 20 slices, or the model's count.",
            valueName: "folder"))
    var dataset: String?

    @Option(
        help: ArgumentHelp(
            "Evaluate on the test set of a folder written by `smartpix training-data` instead of a simulated sample.",
            discussion:
                "The clusters train evaluated a model on for its record (test-*.npy); the folder's input code must be the model's (or, for a flash-input model, hold the measured charge).",
            valueName: "folder"))
    var data: String?

    @Option(help: "With --dataset: only this tag's files.")
    var tag: String?

    @Option(help: "Seed of the test sample (training data uses 1-3 by default).")
    var seed: UInt64 = 7

    @Option(help: "Geometry of the test sample (default: the model's, from its name, else type2).")
    var geometry: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(
        help:
            "Write an HTML report with SVG plots into this folder (index.html): residual and pull histograms, resolution against |cotBeta|, |cotAlpha| and pT.")
    var report: String?

    func validate() throws {
        if let events, !(100...10_000_000).contains(events) { throw ValidationError("--events must be 100 to 10000000, got \(events)") }
        if let dataset {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--dataset \(dataset): no such folder")
            }
            if geometry != nil { throw ValidationError("--geometry chooses a simulated sample; a --dataset has its own") }
        } else if tag != nil {
            throw ValidationError("--tag needs --dataset")
        }
        if let data {
            if dataset != nil { throw ValidationError("--data and --dataset are two different test samples: give one") }
            if geometry != nil { throw ValidationError("--geometry chooses a simulated sample; --data has its own") }
            if events != nil { throw ValidationError("--events sizes a simulated sample; --data uses its whole test set") }
            guard FileManager.default.fileExists(atPath: data + "/manifest.json") else {
                throw ValidationError("--data \(data): no manifest.json (write the folder with smartpix training-data)")
            }
        }
        if let report { try OutputPath.checkFolder(report, flag: "--report") }
    }

    func run() throws {
        let (path, m) = try ModelCatalog.load(model, flag: "--model")
        guard let adc = m.frontEndADC else { throw ValidationError("--model \(path): the model file has no input encoding constants") }
        let g: String, description: String
        let inputs: [Int8], truth: [Float], count: Int
        if let dataset {
            let d = try DatasetInputs.load(dataset, tag: tag, limit: events, model: m, adc: adc, seed: seed)
            (inputs, truth, count) = (d.inputs, d.truth, d.count)
            g = "dataset"
            description = "\(count) clusters of \(dataset) (\(d.tags)) through the front end (seed \(seed)), integer engine"
        } else if let data {
            let manifest = try JSONDecoder().decode(TrainingManifest.self, from: Data(contentsOf: URL(fileURLWithPath: data + "/manifest.json")))
            let test = try TrainingSet.test(of: data, manifest: manifest, for: m, flag: "--data")
            (inputs, truth, count) = (test.inputs, test.truth, test.count)
            g = manifest.geometry
            let seed = manifest.parts.first { $0.name == "test" }.map { " (seed \($0.seed))" } ?? ""
            description = "the \(count) test clusters of \(data)\(seed), integer engine"
        } else {
            g = geometry ?? ModelCatalog.geometry(ofName: m.name) ?? "type2"
            var settings = try TrainingData.settings(geometry: g, slices: m.architecture.slices, seed: seed, adc: adc)
            settings.seed = seed
            let set = try TrainingSet.make(settings, count: events ?? 100_000)
            (inputs, truth, count) = (set.inputs, set.truth, set.count)
            description = "\(count) simulated \(g) clusters (seed \(seed)), integer engine"
        }
        let result = try ModelEvaluation.run(m, inputs: inputs, truth: truth, count: count)
        if let report {
            try EvaluationReport.write(result, model: m.name, description: description, to: report)
        }
        if json {
            try printJSON(EvaluationSummary(result, model: m.name, geometry: g))
            return
        }
        print("\(m.name) on \(description)")
        print(EvaluationSummary.table(result))
    }
}

/// `smartpix evaluate --json`.
struct EvaluationSummary: Codable {
    struct Quantities<Value: Codable>: Codable {
        var x: Value, y: Value, cotAlpha: Value, cotBeta: Value
        init(_ v: [Value]) { (x, y, cotAlpha, cotBeta) = (v[0], v[1], v[2], v[3]) }
        enum CodingKeys: String, CodingKey { case x, y, cotAlpha = "cot_alpha", cotBeta = "cot_beta" }
    }
    struct Bin: Codable {
        var low: Double, high: Double, events: Int
        var residualSigma: Quantities<Double>, pullSigma: Quantities<Double>
        enum CodingKeys: String, CodingKey { case low, high, events, residualSigma = "residual_sigma", pullSigma = "pull_sigma" }
    }
    var model: String, geometry: String, events: Int
    var residualSigma: Quantities<Double>, residualMean: Quantities<Double>, pullSigma: Quantities<Double>
    /// Clusters whose pull is undefined (predicted sigma at its floor), left out of
    /// pull_sigma; absent from records written before it was counted.
    var undefinedPulls: Quantities<Int>?
    var sparsity: Double
    var layerSparsity: [String: Double]
    var byAbsCotBeta: [Bin], byPt: [Bin]
    /// Absent from records written before it was added.
    var byAbsCotAlpha: [Bin]?

    enum CodingKeys: String, CodingKey {
        case model, geometry, events, residualSigma = "residual_sigma", residualMean = "residual_mean", pullSigma = "pull_sigma", sparsity
        case undefinedPulls = "undefined_pulls"
        case layerSparsity = "layer_sparsity", byAbsCotBeta = "by_abs_cot_beta", byAbsCotAlpha = "by_abs_cot_alpha", byPt = "by_pt_gev"
    }

    init(_ e: ModelEvaluation, model: String, geometry: String) {
        self.model = model
        self.geometry = geometry
        events = e.overall.count
        residualSigma = Quantities(e.overall.residualSigma)
        residualMean = Quantities(e.overall.residualMean)
        pullSigma = Quantities(e.overall.pullSigma)
        undefinedPulls = Quantities(e.overall.undefinedPulls)
        sparsity = e.sparsity
        layerSparsity = Dictionary(uniqueKeysWithValues: e.layerSparsity.map { ($0.name, Double($0.zero) / Double(max($0.total, 1))) })
        func bins(_ b: [(range: ClosedRange<Double>, resolution: Resolution)]) -> [Bin] {
            b.map {
                Bin(
                    low: $0.range.lowerBound, high: $0.range.upperBound, events: $0.resolution.count, residualSigma: Quantities($0.resolution.residualSigma),
                    pullSigma: Quantities($0.resolution.pullSigma))
            }
        }
        byAbsCotBeta = bins(e.byCotBeta)
        byAbsCotAlpha = bins(e.byCotAlpha)
        byPt = bins(e.byPt)
    }

    static func table(_ e: ModelEvaluation) -> String {
        func row(_ label: String, _ r: Resolution) -> String {
            String(
                format: "%@ %7d  %7.2f %6.2f %7.4f %7.4f   %5.2f %5.2f %5.2f %5.2f", label.padding(toLength: 18, withPad: " ", startingAt: 0), r.count,
                r.residualSigma[0], r.residualSigma[1],
                r.residualSigma[2],
                r.residualSigma[3], r.pullSigma[0], r.pullSigma[1], r.pullSigma[2], r.pullSigma[3])
        }
        var lines = ["                    events  residual sigma: x um, y um, cotA, cotB   pull width: x, y, cotA, cotB", row("all", e.overall)]
        for (range, r) in e.byCotBeta { lines.append(row(String(format: "|cotB| %.1f-%.1f", range.lowerBound, range.upperBound), r)) }
        for (range, r) in e.byCotAlpha { lines.append(row(String(format: "|cotA| %.1f-%.1f", range.lowerBound, min(range.upperBound, 99)), r)) }
        for (range, r) in e.byPt { lines.append(row(String(format: "pT %.1f-%.1f GeV", range.lowerBound, min(range.upperBound, 999)), r)) }
        let undefined = e.overall.undefinedPulls
        if undefined.contains(where: { $0 > 0 }) {
            lines.append(
                "undefined pulls (predicted sigma at its 1e-9 floor, left out of the pull widths): "
                    + zip(Prediction.quantities, undefined).map { "\($0) \($1)" }.joined(separator: ", ") + " of \(e.overall.count) clusters")
        }
        lines.append(
            String(format: "sparsity: %.1f %% of weights are 0 in the integer model (", 100 * e.sparsity)
                + e.layerSparsity.map { String(format: "%@ %.0f %%", $0.name, 100 * Double($0.zero) / Double(max($0.total, 1))) }.joined(separator: ", ") + ")")
        return lines.joined(separator: "\n")
    }
}
