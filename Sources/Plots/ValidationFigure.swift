/// The physics validation at a glance (`smartpix validate-physics --plot`): left, the fraction
/// of the final charge against time for every condition, this simulator as lines and the
/// reference (PixelAV) as points with their errors; right, every compared observable as its
/// deviation in units of the allowed difference, (simulated - reference) / tolerance, so that
/// the shaded band |d| <= 1 is agreement.
public enum ValidationFigure {
    public struct Condition: Sendable {
        public var label: String
        public var fractions: [Double]
        public var referenceFractions: [Double]
        public var referenceFractionErrors: [Double]
        public var comparisons: [Comparison]

        public init(label: String, fractions: [Double], referenceFractions: [Double], referenceFractionErrors: [Double], comparisons: [Comparison]) {
            self.label = label
            self.fractions = fractions
            self.referenceFractions = referenceFractions
            self.referenceFractionErrors = referenceFractionErrors
            self.comparisons = comparisons
        }
    }

    public struct Comparison: Sendable {
        public var name: String
        public var simulated: Double, reference: Double, tolerance: Double

        public init(name: String, simulated: Double, reference: Double, tolerance: Double) {
            self.name = name
            self.simulated = simulated
            self.reference = reference
            self.tolerance = tolerance
        }

        /// (simulated - reference) / tolerance; |d| <= 1 agrees.
        public var deviation: Double { tolerance > 0 ? (simulated - reference) / tolerance : 0 }
    }

    /// One colour per condition (cycled beyond ten).
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The figure as an SVG file. `sliceWidth` is the slice duration in nanoseconds; slice k
    /// ends at (k + 1) x sliceWidth.
    public static func svg(_ conditions: [Condition], sliceWidth: Double, title: String) -> String {
        var doc = SVGDocument(width: 1280, height: 560)
        doc.text(title, 640, 28, size: 16, anchor: .middle)
        fractionPanel(&doc, conditions, sliceWidth: sliceWidth, x: 70, y: 60, width: 420, height: 380)
        deviationPanel(&doc, conditions, x: 580, y: 60, width: 670, height: 380)
        // Legend: one entry per condition.
        for (i, c) in conditions.enumerated() {
            let x = 70 + Double(i % 5) * 240, y = 500 + Double(i / 5) * 20
            doc.line(x, y - 4, x + 24, y - 4, stroke: palette[i % palette.count], width: 2)
            doc.circle(x + 12, y - 4, radius: 3, fill: palette[i % palette.count])
            doc.text(c.label, x + 30, y, size: 12)
        }
        return doc.text
    }

    static func fractionPanel(_ doc: inout SVGDocument, _ conditions: [Condition], sliceWidth: Double, x: Double, y: Double, width: Double, height: Double) {
        let slices = conditions.map { max($0.fractions.count, $0.referenceFractions.count) }.max() ?? 1
        let tMax = Double(max(slices, 1)) * sliceWidth
        func px(_ t: Double) -> Double { x + width * t / tMax }
        func py(_ f: Double) -> Double { y + height * (1 - min(max(f, -0.05), 1.1) / 1.1) }
        frame(&doc, x: x, y: y, width: width, height: height)
        for k in 0...4 {
            let t = tMax * Double(k) / 4
            doc.text(format(t, 1), px(t), y + height + 16, size: 11, anchor: .middle)
        }
        for f in stride(from: 0.0, through: 1.0, by: 0.25) {
            doc.line(x, py(f), x + width, py(f), stroke: "#eee")
            doc.text(format(f, 2), x - 6, py(f) + 4, size: 11, anchor: .end)
        }
        doc.text("time after the crossing (ns)", x + width / 2, y + height + 36, size: 12, anchor: .middle)
        doc.text("fraction of the final charge", x - 48, y + height / 2, size: 12, anchor: .middle, rotate: -90)
        doc.text("lines: this simulator; points: reference with errors", x + width / 2, y - 8, size: 12, anchor: .middle)
        for (i, c) in conditions.enumerated() {
            let colour = palette[i % palette.count]
            doc.polyline(c.fractions.enumerated().map { (px(Double($0.offset + 1) * sliceWidth), py($0.element)) }, stroke: colour)
            for (k, f) in c.referenceFractions.enumerated() {
                let t = Double(k + 1) * sliceWidth, e = k < c.referenceFractionErrors.count ? c.referenceFractionErrors[k] : 0
                if e > 0 { doc.line(px(t), py(f - e), px(t), py(f + e), stroke: colour) }
                doc.circle(px(t), py(f), radius: 2.5, fill: colour)
            }
        }
    }

    static func deviationPanel(_ doc: inout SVGDocument, _ conditions: [Condition], x: Double, y: Double, width: Double, height: Double) {
        let limit = 3.0
        func py(_ d: Double) -> Double { y + height * (1 - (min(max(d, -limit), limit) + limit) / (2 * limit)) }
        frame(&doc, x: x, y: y, width: width, height: height)
        doc.rect(x, py(1), width, py(-1) - py(1), fill: "#e8f4e8")
        for d in stride(from: -limit, through: limit, by: 1) {
            doc.line(x, py(d), x + width, py(d), stroke: d == 0 ? "#999" : "#eee")
            doc.text(format(d, 0), x - 6, py(d) + 4, size: 11, anchor: .end)
        }
        doc.text("(this simulator - reference) / allowed difference", x - 40, y + height / 2, size: 12, anchor: .middle, rotate: -90)
        doc.text(
            "band: agreement (10 %, 2 um for shifts, or 2 reference errors); filled: agrees, open: does not", x + width / 2, y - 8, size: 12, anchor: .middle)
        // Observables in the order of the first condition; the charge fractions share one group.
        var names: [String] = []
        for c in conditions {
            for m in c.comparisons where !names.contains(group(m.name)) { names.append(group(m.name)) }
        }
        let groupWidth = width / Double(max(names.count, 1))
        for (g, name) in names.enumerated() {
            let left = x + Double(g) * groupWidth
            if g > 0 { doc.line(left, y, left, y + height, stroke: "#ddd") }
            // Labels alternate between two rows so that long names do not run together.
            doc.text(display(name), left + groupWidth / 2, y + height + (g % 2 == 0 ? 16 : 30), size: 11, anchor: .middle)
            for (i, c) in conditions.enumerated() {
                let members = c.comparisons.filter { group($0.name) == name }
                let slot = groupWidth / Double(max(conditions.count, 1))
                for (j, m) in members.enumerated() {
                    // Conditions side by side in the group; several members (the fractions) spread in the slot.
                    let cx = left + slot * (Double(i) + (Double(j) + 0.5) / Double(members.count))
                    let d = m.deviation, colour = palette[i % palette.count]
                    if abs(d) > limit {
                        doc.arrowhead(cx, py(d) + (d > 0 ? 6 : -6), up: d > 0, size: 5, fill: colour)
                    } else {
                        doc.circle(cx, py(d), radius: 3.5, fill: abs(d) <= 1 ? colour : "white", stroke: colour)
                    }
                }
            }
        }
    }

    /// "y_shift_um" -> "y shift": axis labels short enough for their group.
    static func display(_ name: String) -> String {
        String((name.hasSuffix("_um") ? name.dropLast(3) : Substring(name)).map { $0 == "_" ? " " : $0 })
    }

    /// charge_fraction[k] -> charge_fraction; other names as they are.
    static func group(_ name: String) -> String { name.split(separator: "[").first.map(String.init) ?? name }

    static func frame(_ doc: inout SVGDocument, x: Double, y: Double, width: Double, height: Double) {
        doc.rect(x, y, width, height, fill: "none", stroke: "#444")
    }

    public static func format(_ v: Double, _ digits: Int) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (v * p).rounded() / p + 0  // + 0: no "-0.0"
        if digits == 0 { return String(Int(r)) }
        var s = String(r)
        let decimals = s.split(separator: ".").last?.count ?? 0
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        return s
    }
}
