import Foundation

/// A grid of histograms, each with an optional Gaussian of known width drawn over it (the
/// width a calibrated network's pulls should have, or the fitted resolution).
public enum HistogramFigure {
    public struct Panel: Sendable {
        public var title: String
        public var axis: String
        public var low: Double, high: Double
        public var counts: [Int]
        /// Values outside [low, high), shown as a note.
        public var outside: Int
        /// Draws N(mean, sigma) scaled to the histogram's entries.
        public var gaussian: (mean: Double, sigma: Double)?

        /// Bins `values` into `bins` equal bins over [low, high).
        public init(title: String, axis: String, values: [Double], low: Double, high: Double, bins: Int = 60, gaussian: (mean: Double, sigma: Double)? = nil) {
            self.title = title
            self.axis = axis
            self.low = low
            self.high = high
            self.gaussian = gaussian
            var counts = [Int](repeating: 0, count: bins)
            var outside = 0
            for v in values {
                let k = Int(((v - low) / (high - low) * Double(bins)).rounded(.down))
                if v.isFinite, (0..<bins).contains(k) { counts[k] += 1 } else { outside += 1 }
            }
            self.counts = counts
            self.outside = outside
        }
    }

    public static func svg(_ panels: [Panel], columns: Int, title: String) -> String {
        let cellW = 300.0, cellH = 230.0, rows = (panels.count + columns - 1) / columns
        var doc = SVGDocument(width: cellW * Double(columns) + 20, height: cellH * Double(rows) + 50)
        doc.text(title, doc.width / 2, 26, size: 15, anchor: .middle)
        for (i, p) in panels.enumerated() {
            let ox = 10 + cellW * Double(i % columns), oy = 40 + cellH * Double(i / columns)
            let x0 = ox + 50, y0 = oy + 24, w = cellW - 70, h = cellH - 70
            doc.text(p.title, x0 + w / 2, oy + 14, size: 12, anchor: .middle)
            doc.rect(x0, y0, w, h, fill: "none", stroke: "#444")
            let total = p.counts.reduce(0, +) + p.outside
            let binWidth = (p.high - p.low) / Double(p.counts.count)
            func gaussianCount(_ x: Double) -> Double {
                guard let g = p.gaussian, g.sigma > 0 else { return 0 }
                return Double(total) * binWidth * exp(-0.5 * pow((x - g.mean) / g.sigma, 2)) / (g.sigma * (2 * Double.pi).squareRoot())
            }
            let peak = max(Double(p.counts.max() ?? 1), p.gaussian.map { gaussianCount($0.mean) } ?? 0, 1)
            func px(_ v: Double) -> Double { x0 + w * (v - p.low) / (p.high - p.low) }
            func py(_ c: Double) -> Double { y0 + h * (1 - c / (peak * 1.08)) }
            for (k, c) in p.counts.enumerated() where c > 0 {
                let a = px(p.low + Double(k) * binWidth), b = px(p.low + Double(k + 1) * binWidth)
                doc.rect(a, py(Double(c)), b - a, y0 + h - py(Double(c)), fill: "#9ecae1", stroke: "#3182bd")
            }
            if p.gaussian != nil {
                let curve = (0...120).map { j -> (Double, Double) in
                    let x = p.low + (p.high - p.low) * Double(j) / 120
                    return (px(x), py(gaussianCount(x)))
                }
                doc.polyline(curve, stroke: "#d62728", width: 1.5)
            }
            for t in 0...4 {
                let v = p.low + (p.high - p.low) * Double(t) / 4
                doc.line(px(v), y0 + h, px(v), y0 + h + 4, stroke: "#444")
                doc.text(ValidationFigure.format(v, abs(p.high - p.low) < 2 ? 2 : 1), px(v), y0 + h + 16, size: 10, anchor: .middle)
            }
            doc.text(p.axis, x0 + w / 2, y0 + h + 32, size: 11, anchor: .middle)
            doc.text("\(total) entries\(p.outside > 0 ? ", \(p.outside) outside" : "")", x0 + w - 4, y0 + 14, size: 10, anchor: .end)
        }
        return doc.text
    }
}
