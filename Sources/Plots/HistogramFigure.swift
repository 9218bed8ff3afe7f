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

/// Values against bins (resolution against |cotBeta| or pT), one line per series.
public enum TrendFigure {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public static func svg(_ series: [Series], xAxis: String, yAxis: String, title: String, logX: Bool = false) -> String {
        var doc = SVGDocument(width: 560, height: 380)
        let x0 = 70.0, y0 = 44.0, w = 440.0, h = 270.0
        doc.text(title, x0 + w / 2, 24, size: 14, anchor: .middle)
        doc.rect(x0, y0, w, h, fill: "none", stroke: "#444")
        let xs = series.flatMap { $0.points.map(\.x) }.filter { !logX || $0 > 0 }, ys = series.flatMap { $0.points.map(\.y) }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMax = ys.max(), yMax > 0 else { return doc.text }
        func fx(_ x: Double) -> Double { logX ? log10(x) : x }
        let lo = fx(xMin), hi = max(fx(xMax), lo + 1e-9)
        func px(_ x: Double) -> Double { x0 + w * (fx(x) - lo) / (hi - lo) }
        func py(_ y: Double) -> Double { y0 + h * (1 - y / (yMax * 1.1)) }
        let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
        for t in 0...4 {
            let y = yMax * 1.1 * Double(t) / 4
            doc.line(x0, py(y), x0 + w, py(y), stroke: "#eee")
            doc.text(ValidationFigure.format(y, yMax < 1 ? 3 : 1), x0 - 6, py(y) + 4, size: 10, anchor: .end)
        }
        for x in Set(xs).sorted() { doc.text(ValidationFigure.format(x, x < 1 ? 2 : 1), px(x), y0 + h + 16, size: 10, anchor: .middle) }
        doc.text(xAxis, x0 + w / 2, y0 + h + 34, size: 12, anchor: .middle)
        doc.text(yAxis, x0 - 50, y0 + h / 2, size: 12, anchor: .middle, rotate: -90)
        for (i, s) in series.enumerated() {
            let c = colours[i % colours.count]
            let points = s.points.filter { !logX || $0.x > 0 }
            doc.polyline(points.map { (px($0.x), py($0.y)) }, stroke: c, width: 2)
            for p in points { doc.circle(px(p.x), py(p.y), radius: 3, fill: c) }
            doc.rect(x0 + 10, y0 + 10 + 16 * Double(i), 12, 3, fill: c)
            doc.text(s.name, x0 + 28, y0 + 15 + 16 * Double(i), size: 11)
        }
        return doc.text
    }
}
