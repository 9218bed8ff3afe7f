import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference
import Plots
import ReadoutProtocol
import TriggerFilter

struct Study: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trigger efficiency and data reduction of the decision policies, on a fresh simulated sample with truth.",
        discussion: """
            For each model: simulates --events clusters as readout-sim publishes them (physics \
            mode, barrel, minimum-bias pT, the front end's defaults, the model's input code; \
            seed --seed), predicts with the integer engine, estimates pT with its uncertainty and \
            decides with each policy. Efficiency = kept / clusters with true |pT| above \
            --threshold (binomial errors); data reduction = dropped / all clusters. Working \
            points at --efficiency: the point cut at its tuned threshold; the uncertainty-aware \
            policy at its tuned threshold for each confidence level of 0.5-0.99, the best kept; \
            keep-when-uncertain at the point cut's tuned threshold with its sigma limit tuned; \
            the on-sensor classes at --threshold as the chip defines them. uncertainty_gain = \
            (data reduction of the uncertainty-aware policy - that of the point cut) / that of \
            the point cut, both at the working efficiency. --json prints {policies: [{model, \
            name, threshold_gev, parameter, efficiency, efficiency_error, data_reduction}], \
            uncertainty_gain (of the first model; the text output gives each), events}; --report DIR writes study.csv, turn-on curves and the \
            data reduction against efficiency as SVG, and index.html.
            """
    )

    @Option(parsing: .upToNextOption, help: "Models: names in models/ or model files.")
    var model: [String] = [ModelCatalog.defaultName]

    @Option(help: "Clusters to simulate per model.")
    var events = 100_000

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 11

    @Option(help: "pT threshold of the signal, GeV.")
    var threshold = 0.2

    @Option(help: "Efficiency of the working points, in (0, 1).")
    var efficiency = 0.95

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Write study.csv, SVG figures and index.html into this folder.")
    var report: String?

    func validate() throws {
        guard (1000...10_000_000).contains(events) else { throw ValidationError("--events must be 1000 to 10000000, got \(events)") }
        guard threshold > 0, threshold.isFinite else { throw ValidationError("--threshold must be positive GeV, got \(threshold)") }
        guard efficiency > 0, efficiency < 1 else { throw ValidationError("--efficiency must be in (0, 1), got \(efficiency)") }
        guard !model.isEmpty else { throw ValidationError("--model: give at least one") }
        if let report { try OutputPath.checkFolder(report, flag: "--report") }
    }

    struct Summary: Encodable {
        struct Row: Encodable {
            var model: String
            var point: TriggerStudy.Point
            func encode(to encoder: Encoder) throws {
                try point.encode(to: encoder)
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(model, forKey: .model)
            }
            enum Key: String, CodingKey { case model }
        }
        var policies: [Row]
        var uncertaintyGain: Double
        var events: Int
        enum CodingKeys: String, CodingKey { case policies, uncertaintyGain = "uncertainty_gain", events }
    }

    func run() throws {
        var rows: [Summary.Row] = []
        var gains: [Double] = []
        var turnOns: [TrendFigure.Series] = [], rocs: [TrendFigure.Series] = []
        let edges = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1, 2, 5]
        for name in model {
            let study = try sample(name)
            let pc = study.workingPoint(efficiency: efficiency, range: 0.001...5) { .pointCut(threshold: $0) }
            var ua = study.evaluate(.uncertaintyAware(threshold: threshold, confidence: 0.5), parameter: 0.5)
            ua.efficiency = 0
            for c in [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] {
                let p = study.workingPoint(efficiency: efficiency, range: 0.001...5) { .uncertaintyAware(threshold: $0, confidence: c) }
                if p.efficiency >= efficiency, p.dataReduction > ua.dataReduction || ua.efficiency < efficiency {
                    ua = p
                    ua.parameter = c
                }
            }
            let kwu = study.workingPoint(efficiency: efficiency, range: 0.0001...2) { .keepWhenUncertain(threshold: pc.thresholdGeV, sigmaLimit: $0) }
            let chip = study.evaluate(.onSensorClasses(threshold: threshold), parameter: threshold)
            let points = [pc, ua, kwu, chip]
            rows += points.map { Summary.Row(model: name, point: $0) }
            gains.append(pc.dataReduction > 0 ? (ua.dataReduction - pc.dataReduction) / pc.dataReduction : 0)
            if !json {
                print(
                    "\(name): \(study.entries.count) clusters, \(study.entries.filter { abs($0.truePt) > threshold }.count) with true |pT| > \(threshold) GeV")
                for p in points {
                    print(
                        "  " + p.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                            + String(
                                format: "threshold %.3f GeV, parameter %.4g: efficiency %.4f +- %.4f, data reduction %.4f", p.thresholdGeV, p.parameter,
                                p.efficiency,
                                p.efficiencyError, p.dataReduction))
                }
                print(String(format: "  uncertainty gain at %.0f %% efficiency: %+.1f %% data reduction (relative)", 100 * efficiency, 100 * gains.last!))
                // The on-sensor filter's repository quotes its classifier's acceptance above 1 GeV.
                let above1 = TriggerStudy(entries: study.entries, signalThreshold: 1).evaluate(.onSensorClasses(threshold: threshold), parameter: threshold)
                print(String(format: "  on-sensor classes keep %.4f +- %.4f of the clusters with true |pT| > 1 GeV", above1.efficiency, above1.efficiencyError))
            }
            let pcPolicy = TriggerPolicy.pointCut(threshold: pc.thresholdGeV)
            let uaPolicy = TriggerPolicy.uncertaintyAware(threshold: ua.thresholdGeV, confidence: ua.parameter)
            for (label, policy) in [("point cut", pcPolicy), ("uncertainty-aware", uaPolicy)] {
                let bins = study.turnOn(policy, edges: edges).filter { $0.count > 0 }
                turnOns.append(
                    TrendFigure.Series(
                        name: "\(name) \(label)", points: bins.map { (($0.low * $0.high).squareRoot(), $0.efficiency) }, errors: bins.map(\.error)))
            }
            // The ROC of each thresholded policy: its threshold scanned over 0.05-1 GeV.
            let scan = stride(from: 0.05, through: 1.0, by: 0.05)
            rocs.append(
                TrendFigure.Series(
                    name: "\(name) point cut",
                    points: scan.map { t in
                        let p = study.evaluate(.pointCut(threshold: t), parameter: t); return (p.efficiency, p.dataReduction)
                    }))
            rocs.append(
                TrendFigure.Series(
                    name: "\(name) uncertainty-aware (confidence \(ValidationFigure.format(ua.parameter, 2)))",
                    points: scan.map { t in
                        let p = study.evaluate(.uncertaintyAware(threshold: t, confidence: ua.parameter), parameter: t); return (p.efficiency, p.dataReduction)
                    }))
        }
        let summary = Summary(policies: rows, uncertaintyGain: gains.first ?? 0, events: events)
        if json { try printJSON(summary) }
        if let report {
            try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
            let csv =
                ["model,policy,threshold_gev,parameter,efficiency,efficiency_error,data_reduction"]
                + rows.map {
                    "\($0.model),\($0.point.name),\($0.point.thresholdGeV),\($0.point.parameter),\($0.point.efficiency),\($0.point.efficiencyError),\($0.point.dataReduction)"
                }
            try OutputPath.write(Data((csv.joined(separator: "\n") + "\n").utf8), to: report + "/study.csv", flag: "--report")
            let figures = [
                (
                    "turn-on.svg",
                    TrendFigure.svg(
                        turnOns, xAxis: "true |pT| (GeV, bin centre; bars: binomial one sigma)", yAxis: "efficiency",
                        title: "Turn-on curves at \(Int(efficiency * 100)) % efficiency above \(threshold) GeV", logX: true)
                ),
                (
                    "reduction.svg",
                    TrendFigure.svg(
                        rocs, xAxis: "efficiency for true |pT| > \(threshold) GeV", yAxis: "data reduction",
                        title: "Data reduction against efficiency (thresholds 0.05-1 GeV)")
                ),
            ]
            for (file, svg) in figures { try OutputPath.write(Data(svg.utf8), to: report + "/" + file, flag: "--report") }
            let table = rows.map {
                "<tr><td>\($0.model)</td><td>\($0.point.name)</td><td>\(String(format: "%.3f", $0.point.thresholdGeV))</td><td>\(String(format: "%.4f", $0.point.efficiency))</td><td>\(String(format: "%.4f", $0.point.dataReduction))</td></tr>"
            }.joined(separator: "\n")
            let html = """
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Trigger study</title>
                <style>body{font-family:Helvetica,Arial,sans-serif;margin:24px} td,th{padding:2px 10px} figure{display:inline-block}</style></head><body>
                <h1>Trigger study</h1><p>\(events) clusters per model; efficiency for true |pT| &gt; \(threshold) GeV; uncertainty gain \(String(format: "%+.1f", 100 * summary.uncertaintyGain)) %.</p>
                <table><tr><th>model</th><th>policy</th><th>threshold (GeV)</th><th>efficiency</th><th>data reduction</th></tr>
                \(table)</table>
                \(figures.map { "<figure>" + $0.1.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "") + "</figure>" }.joined(separator: "\n"))
                </body></html>
                """
            try OutputPath.write(Data(html.utf8), to: report + "/index.html", flag: "--report")
        }
    }

    /// The model's estimates and the truth on a fresh sample.
    func sample(_ name: String) throws -> TriggerStudy {
        let (path, m) = try ModelCatalog.load(name, flag: "--model")
        guard let adc = m.frontEndADC else { throw ValidationError("--model \(path): the model file has no input encoding constants") }
        let g = ModelCatalog.geometry(ofName: m.name) ?? "type2"
        let settings = try TrainingData.settings(geometry: g, slices: m.architecture.slices, seed: seed, adc: adc)
        let set = try TrainingSet.make(settings, count: events)
        let engine = try IntegerEngine(m)
        let accumulators = engine.evaluateBatch(set.inputs, count: set.count, threads: 2)
        let decider = try TriggerDecider(policy: .pointCut(threshold: threshold), labelScales: m.labelScales)
        let scale = engine.outputScale
        var entries: [TriggerStudy.Entry] = []
        entries.reserveCapacity(set.count)
        var outputs = [Float](repeating: 0, count: 14)
        for i in 0..<set.count {
            for j in 0..<14 { outputs[j] = Float(Double(accumulators[i * 14 + j]) * scale) }
            let t = i * TruthLabel.count
            // The frame's y-local is the module coordinate of the hit (truth's y-local, mm).
            let e = outputs.withUnsafeBufferPointer { decider.estimate($0, yLocal: set.truth[t + TruthLabel.yLocal.rawValue]) }
            entries.append(.init(estimate: e, truePt: Double(set.truth[t + TruthLabel.pt.rawValue])))
        }
        return TriggerStudy(entries: entries, signalThreshold: threshold)
    }
}
