import Foundation

/// Values against a quantity (resolution against |cotBeta| or pT, efficiency against true
/// pT, data reduction against efficiency), one line per series, with optional one-sigma
/// error bars. Axes get round ticks (1, 2, 5 x 10^k; decades on a log axis); every other
/// series is dashed so that curves that coincide stay visible; the legend sits below the
/// plot, where it hides no data.
public enum TrendFigure {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// One-sigma errors on y, one per point (empty: none drawn).
        public var errors: [Double]
        public init(name: String, points: [(x: Double, y: Double)], errors: [Double] = []) {
            precondition(errors.isEmpty || errors.count == points.count, "one error per point")
            self.name = name
            self.points = points
            self.errors = errors
        }
    }

    static let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]

    /// One panel of series as a standalone SVG document.
    public static func svg(_ series: [Series], xAxis: String, yAxis: String, title: String, logX: Bool = false) -> String {
        var doc = SVGDocument(width: 560, height: height(series.count))
        draw(series, xAxis: xAxis, yAxis: yAxis, title: title, logX: logX, at: 0, in: &doc)
        return doc.text
    }

    /// A panel of the figure: its series against a shared x axis.
    public struct Panel: Sendable {
        public var series: [Series]
        public var yAxis: String
        public var title: String
        public init(series: [Series], yAxis: String, title: String) {
            self.series = series
            self.yAxis = yAxis
            self.title = title
        }
    }

    /// Several panels stacked in one SVG document (e.g. a soak run's windows: rate, lag,
    /// latency, memory against time).
    public static func stacked(_ panels: [Panel], xAxis: String) -> String {
        let heights = panels.map { height($0.series.count) }
        var doc = SVGDocument(width: 560, height: heights.reduce(0, +))
        var top = 0.0
        for (p, h) in zip(panels, heights) {
            draw(p.series, xAxis: xAxis, yAxis: p.yAxis, title: p.title, logX: false, at: top, in: &doc)
            top += h
        }
        return doc.text
    }

    static func height(_ series: Int) -> Double { 44 + 270 + 50 + 16 * Double(series) }

    static func draw(_ series: [Series], xAxis: String, yAxis: String, title: String, logX: Bool, at top: Double, in doc: inout SVGDocument) {
        let x0 = 70.0, y0 = top + 44, w = 440.0, h = 270.0
        doc.text(title, x0 + w / 2, top + 24, size: 14, anchor: .middle)
        doc.rect(x0, y0, w, h, fill: "none", stroke: "#444")
        let all = series.flatMap { s in s.points.indices.map { (s.points[$0], s.errors.isEmpty ? 0 : s.errors[$0]) } }.filter {
            (!logX || $0.0.x > 0) && $0.0.x.isFinite && $0.0.y.isFinite
        }
        guard let xMin = all.map(\.0.x).min(), let xMax = all.map(\.0.x).max() else { return }
        let yLow = min(0, all.map { $0.0.y - $0.1 }.min()!), yHigh = max(all.map { $0.0.y + $0.1 }.max()!, yLow + 1e-12)
        let yTicks = ticks(yLow, yHigh)
        let (yA, yB) = (yTicks.first!, yTicks.last!)
        func fx(_ x: Double) -> Double { logX ? log10(x) : x }
        let xTicks = logX ? logTicks(xMin, xMax) : ticks(xMin, xMax)
        let lo = logX ? fx(xMin) : xTicks.first!, hi = max(logX ? fx(xMax) : xTicks.last!, lo + 1e-9)
        func px(_ x: Double) -> Double { x0 + w * (fx(x) - lo) / (hi - lo) }
        func py(_ y: Double) -> Double { y0 + h * (1 - (y - yA) / (yB - yA)) }
        for y in yTicks {
            doc.line(x0, py(y), x0 + w, py(y), stroke: "#eee")
            doc.text(label(y, yTicks), x0 - 6, py(y) + 4, size: 10, anchor: .end)
        }
        for x in xTicks where fx(x) >= lo - 1e-9 && fx(x) <= hi + 1e-9 {
            doc.line(px(x), y0 + h, px(x), y0 + h + 4, stroke: "#444")
            doc.text(label(x, xTicks, log: logX), px(x), y0 + h + 16, size: 10, anchor: .middle)
        }
        doc.text(xAxis, x0 + w / 2, y0 + h + 34, size: 12, anchor: .middle)
        doc.text(yAxis, x0 - 50, y0 + h / 2, size: 12, anchor: .middle, rotate: -90)
        for (i, s) in series.enumerated() {
            let c = colours[i % colours.count], dash = i % 2 == 1 ? "6,4" : nil
            let shown = s.points.indices.filter { (!logX || s.points[$0].x > 0) && s.points[$0].x.isFinite && s.points[$0].y.isFinite }
            doc.polyline(shown.map { (px(s.points[$0].x), py(s.points[$0].y)) }, stroke: c, width: 2, dash: dash)
            for k in shown {
                let p = s.points[k]
                if !s.errors.isEmpty, s.errors[k] > 0 { doc.line(px(p.x), py(p.y - s.errors[k]), px(p.x), py(p.y + s.errors[k]), stroke: c, width: 1.5) }
                doc.circle(px(p.x), py(p.y), radius: 3, fill: c)
            }
            let ly = y0 + h + 50 + 16 * Double(i)
            doc.line(x0, ly - 4, x0 + 24, ly - 4, stroke: c, width: 2, dash: dash)
            doc.text(s.name, x0 + 30, ly, size: 11)
        }
    }

    /// Round ticks covering [a, b]: a step of 1, 2 or 5 x 10^k giving 4-8 intervals.
    static func ticks(_ a: Double, _ b: Double) -> [Double] {
        let span = max(b - a, 1e-12), raw = span / 5, magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { span / $0 <= 8 }!
        let first = (a / step).rounded(.down), last = (b / step).rounded(.up)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// 1, 2 and 5 of every decade inside [a, b] (at least the ends when none falls inside).
    static func logTicks(_ a: Double, _ b: Double) -> [Double] {
        let decades = Int(log10(a).rounded(.down))...Int(log10(b).rounded(.up))
        var inside: [Double] = []
        for d in decades {
            let scale: Double = pow(10, Double(d))
            for m: Double in [1, 2, 5] where m * scale >= a * 0.999 && m * scale <= b * 1.001 { inside.append(m * scale) }
        }
        return inside.count >= 2 ? inside : [a, b]
    }

    /// As many decimals as the ticks' spacing needs (on a log axis, as the value itself needs).
    static func label(_ v: Double, _ all: [Double], log: Bool = false) -> String {
        let spacing = zip(all.dropFirst(), all).map { abs($0 - $1) }.filter { $0 > 0 }.min() ?? 1
        let step = log ? abs(v) : spacing
        let decimals = step > 0 ? Int(-log10(step).rounded(.down)) : 0
        return ValidationFigure.format(v, min(max(decimals, 0), 6))
    }
}
