/// The cluster-by-cluster comparison at a glance: one cell per observable (row) and
/// condition (column), coloured by the mean difference in units of its standard error (red
/// where the reference lies above this simulator, blue below, white at zero, full colour at
/// five), framed where it is beyond three, and labelled with the mean PIT.
public enum PairedFigure {
    public struct Cell: Sendable {
        /// (reference - simulated) / standard error; nil when there is no error.
        public var sigma: Double?
        /// Mean probability integral transform.
        public var pit: Double

        public init(sigma: Double?, pit: Double) {
            self.sigma = sigma
            self.pit = pit
        }
    }

    static let saturation = 5.0, cellWidth = 92.0, cellHeight = 22.0, labelWidth = 170.0

    /// `cells[row][column]` for `observables` (rows) and `conditions` (columns); a nil cell is
    /// left grey.
    public static func svg(observables: [String], conditions: [String], cells: [[Cell?]], title: String) -> String {
        let top = 84.0, left = labelWidth + 20
        let width = left + cellWidth * Double(conditions.count) + 20
        let height = top + cellHeight * Double(observables.count) + 90
        var doc = SVGDocument(width: max(width, 640), height: height)
        doc.text(title, doc.width / 2, 26, size: 15, anchor: .middle)
        doc.text("colour: (reference - this simulator) / standard error; framed beyond 3; number: mean PIT", doc.width / 2, 46, size: 12, anchor: .middle)
        for (j, c) in conditions.enumerated() {
            doc.text(c, left + cellWidth * (Double(j) + 0.5), top - 10, size: 11, anchor: .middle)
        }
        for (i, name) in observables.enumerated() {
            let y = top + cellHeight * Double(i)
            doc.text(name, left - 8, y + cellHeight * 0.68, size: 11, anchor: .end)
            for j in conditions.indices {
                let x = left + cellWidth * Double(j)
                let cell = i < cells.count && j < cells[i].count ? cells[i][j] : nil
                guard let cell else {
                    doc.rect(x, y, cellWidth, cellHeight, fill: "#ddd", stroke: "white")
                    continue
                }
                let s = cell.sigma ?? 0
                doc.rect(x, y, cellWidth, cellHeight, fill: colour(s), stroke: abs(s) > 3 ? "#222" : "white")
                let label = ValidationFigure.format(cell.pit, 2) + (cell.sigma.map { " (" + ValidationFigure.format($0, 1) + ")" } ?? "")
                doc.text(label, x + cellWidth / 2, y + cellHeight * 0.68, size: 10, anchor: .middle, fill: abs(s) > 3.5 ? "white" : "#222")
            }
        }
        // Colour scale.
        let barY = top + cellHeight * Double(observables.count) + 30, barWidth = 300.0, barX = doc.width / 2 - barWidth / 2
        let steps = 30
        for k in 0..<steps {
            let s = -saturation + 2 * saturation * (Double(k) + 0.5) / Double(steps)
            doc.rect(barX + barWidth * Double(k) / Double(steps), barY, barWidth / Double(steps), 12, fill: colour(s))
        }
        for s in stride(from: -saturation, through: saturation, by: 2.5) {
            doc.text(ValidationFigure.format(s, 1), barX + barWidth * (s + saturation) / (2 * saturation), barY + 28, size: 11, anchor: .middle)
        }
        doc.text("reference below", barX - 8, barY + 10, size: 11, anchor: .end)
        doc.text("reference above", barX + barWidth + 8, barY + 10, size: 11)
        return doc.text
    }

    /// White at zero to red (positive) or blue (negative) at the saturation and beyond.
    static func colour(_ sigma: Double) -> String {
        let t = sigma.isNaN ? 0 : min(abs(sigma) / saturation, 1)
        let fade = Int((255 * (1 - 0.85 * t)).rounded())
        func hex(_ v: Int) -> String {
            let h = String(v, radix: 16)
            return h.count == 1 ? "0" + h : h
        }
        return sigma >= 0 ? "#ff" + hex(fade) + hex(fade) : "#" + hex(fade) + hex(fade) + "ff"
    }
}
