/// A small SVG writer: shapes and text in pixel coordinates, written as one standalone file.
/// Numbers are written with two decimals and text is escaped, so the output is valid XML
/// whatever the labels say.
public struct SVGDocument: Sendable {
    public let width: Double, height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width w: Double = 1, dash: String? = nil) {
        elements.append(
            "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(w))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
        )
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width w: Double = 1.5, dash: String? = nil) {
        let p = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        elements.append(
            "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(w))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    public mutating func circle(_ x: Double, _ y: Double, radius r: Double, fill: String, stroke: String = "none") {
        elements.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>")
    }

    /// A triangle pointing up (or down) at (x, y): a value beyond the axis.
    public mutating func arrowhead(_ x: Double, _ y: Double, up: Bool, size s: Double, fill: String) {
        let tip = up ? y - s : y + s, base = up ? y + s / 2 : y - s / 2
        elements.append("<polygon points=\"\(n(x)),\(n(tip)) \(n(x - s)),\(n(base)) \(n(x + s)),\(n(base))\" fill=\"\(fill)\"/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String = "none") {
        elements.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start, rotate: Double = 0, fill: String = "#222") {
        let turn = rotate == 0 ? "" : " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\""
        elements.append(
            "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\"\(turn)>\(Self.escape(s))</text>")
    }

    /// The whole file.
    public var text: String {
        let head =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        return head + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Two decimals, no exponent; non-finite values (which would break the file) become 0.
    private func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
