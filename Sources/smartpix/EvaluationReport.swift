import CommandLineSupport
import Foundation
import OnPixelInference
import Plots

/// `smartpix evaluate --report DIR`: one HTML page a person can open, its plots inline SVG
/// (also written beside it as files).
enum EvaluationReport {
    static let names = ["x (um)", "y (um)", "cotAlpha", "cotBeta"]

    static func write(_ e: ModelEvaluation, model: String, description: String, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Residual panels over +-4 of their sigma; pulls over +-5 with the unit Gaussian a calibrated network follows.
        let residuals = (0..<4).map { q in
            let s = e.overall.residualSigma[q]
            return HistogramFigure.Panel(
                title: "residual \(names[q]): sigma \(ValidationFigure.format(s, s < 1 ? 4 : 2))", axis: "prediction - truth", values: e.residuals[q],
                low: -4 * s, high: 4 * s, gaussian: (e.overall.residualMean[q], s))
        }
        let pulls = (0..<4).map { q in
            HistogramFigure.Panel(
                title: "pull \(Prediction.quantities[q]): width \(ValidationFigure.format(e.overall.pullSigma[q], 2))", axis: "residual / predicted sigma",
                values: e.pulls[q],
                low: -5, high: 5, gaussian: (0, 1))
        }
        func trend(_ bins: [(range: ClosedRange<Double>, resolution: Resolution)], _ q: Int) -> [(x: Double, y: Double)] {
            bins.map { (($0.range.lowerBound + min($0.range.upperBound, $0.range.lowerBound * 3 + 1)) / 2, $0.resolution.residualSigma[q]) }
        }
        let figures: [(String, String)] = [
            ("residuals.svg", HistogramFigure.svg(residuals, columns: 2, title: "\(model): residuals (red: Gaussian of the same sigma)")),
            ("pulls.svg", HistogramFigure.svg(pulls, columns: 2, title: "\(model): pulls (red: the unit Gaussian of calibrated uncertainties)")),
            (
                "resolution-cotbeta.svg",
                TrendFigure.svg(
                    (0..<2).map { TrendFigure.Series(name: "sigma " + names[$0], points: trend(e.byCotBeta, $0)) }, xAxis: "|cotBeta| (bin centre)",
                    yAxis: "residual sigma (um)", title: "\(model): position resolution against |cotBeta|")
            ),
            (
                "resolution-cotalpha.svg",
                TrendFigure.svg(
                    (0..<2).map { TrendFigure.Series(name: "sigma " + names[$0], points: trend(e.byCotAlpha, $0)) }, xAxis: "|cotAlpha| (bin centre)",
                    yAxis: "residual sigma (um)", title: "\(model): position resolution against |cotAlpha| (cluster length along x)")
            ),
            (
                "resolution-pt.svg",
                TrendFigure.svg(
                    (0..<2).map { TrendFigure.Series(name: "sigma " + names[$0], points: trend(e.byPt, $0)) }, xAxis: "pT (GeV, bin centre)",
                    yAxis: "residual sigma (um)", title: "\(model): position resolution against pT", logX: true)
            ),
        ]
        for (file, svg) in figures { try OutputPath.write(Data(svg.utf8), to: folder + "/" + file, flag: "--report") }
        let table = EvaluationSummary.table(e).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let body = figures.map { name, svg in
            "<figure id=\"\(name.dropLast(4))\">" + svg.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "") + "</figure>"
        }.joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(model): evaluation</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222} pre{background:#f6f6f6;padding:12px} figure{display:inline-block;margin:8px}</style>
            </head><body>
            <h1>\(model)</h1>
            <p>\(description). Residual = prediction - truth; pull = residual / predicted sigma (from L L<sup>T</sup>): width 1 for calibrated uncertainties.</p>
            <pre>\(table)</pre>
            \(body)
            </body></html>
            """
        try OutputPath.write(Data(html.utf8), to: folder + "/index.html", flag: "--report")
    }
}
