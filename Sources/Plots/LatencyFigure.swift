import Foundation

/// Per-event latency by percentile, the way HdrHistogram results are read: the x axis is
/// 1 / (1 - percentile) on a log scale (90 %, 99 %, 99.9 % ... equally spaced), the y axis
/// latency on a log scale (a rare descheduled event is thousands of times the median), with
/// the budget as a horizontal line.
public enum LatencyFigure {
    /// `points`: (percentile 0-100, latency ns) in increasing percentile.
    public static func svg(_ points: [(percentile: Double, nanoseconds: Double)], budget: Double, overBudget: UInt64, events: UInt64, title: String) -> String {
        var doc = SVGDocument(width: 760, height: 460)
        let x0 = 80.0, y0 = 50.0, w = 640.0, h = 330.0
        doc.text(title, x0 + w / 2, 28, size: 15, anchor: .middle)
        doc.rect(x0, y0, w, h, fill: "none", stroke: "#444")
        // x: log10(1 / (1 - p)), from 0 (p = 0) to 5 (p = 99.999 %); 100 % drawn at the edge.
        let decades = 5.0
        func px(_ p: Double) -> Double {
            let q = p >= 100 ? decades : min(decades, log10(1 / (1 - p / 100)))
            return x0 + w * q / decades
        }
        let values = points.map(\.nanoseconds).filter { $0 > 0 } + [budget]
        let low = floor(log10(max(values.min() ?? 1, 1))), high = max(ceil(log10(max(values.max() ?? 10, 10))), low + 1)
        func py(_ ns: Double) -> Double { y0 + h * (1 - (min(max(log10(max(ns, 1)), low), high) - low) / (high - low)) }
        for (k, label) in ["0 %", "90 %", "99 %", "99.9 %", "99.99 %", "99.999 % | max"].enumerated() {
            let x = x0 + w * Double(k) / decades
            doc.line(x, y0, x, y0 + h, stroke: "#eee")
            doc.text(label, x, y0 + h + 16, size: 11, anchor: .middle)
        }
        for decade in Int(low)...Int(high) {
            let ns = pow(10, Double(decade))
            doc.line(x0, py(ns), x0 + w, py(ns), stroke: "#eee")
            doc.text(Self.label(nanoseconds: ns), x0 - 6, py(ns) + 4, size: 11, anchor: .end)
        }
        doc.text("percentile of events", x0 + w / 2, y0 + h + 36, size: 12, anchor: .middle)
        doc.text("latency per event", x0 - 58, y0 + h / 2, size: 12, anchor: .middle, rotate: -90)
        doc.line(x0, py(budget), x0 + w, py(budget), stroke: "#d62728", width: 1.5, dash: "6,4")
        doc.text(
            "budget \(Self.label(nanoseconds: budget)): \(overBudget) of \(events) events over", x0 + w - 6, py(budget) - 6, size: 12, anchor: .end,
            fill: "#d62728")
        doc.polyline(points.map { (px($0.percentile), py($0.nanoseconds)) }, stroke: "#1f77b4", width: 2)
        for p in points { doc.circle(px(p.percentile), py(p.nanoseconds), radius: 2.5, fill: "#1f77b4") }
        return doc.text
    }

    /// 100 ns, 1 us, 10 ms, 2.5 s ...
    static func label(nanoseconds ns: Double) -> String {
        let units: [(Double, String)] = [(1e9, "s"), (1e6, "ms"), (1e3, "us"), (1, "ns")]
        let (scale, unit) = units.first { ns >= $0.0 } ?? (1, "ns")
        let v = ns / scale
        return (v == v.rounded() ? String(Int(v)) : ValidationFigure.format(v, 1)) + " " + unit
    }
}
