import Foundation
import Testing

@testable import Plots

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Counts the elements of an XML document by name; nil when it does not parse.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }

    static func count(_ text: String) -> [String: Int]? {
        let parser = XMLParser(data: Data(text.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        return parser.parse() ? counter.counts : nil
    }
}

@Suite struct ValidationFigureTests {
    @Test func labelsAreEscapedAndNonFiniteNumbersCannotBreakTheFile() throws {
        var doc = SVGDocument(width: 100, height: 50)
        doc.text("cotAlpha < 1 & \"x\" > 0", 10, 10)
        doc.circle(.nan, .infinity, radius: 2, fill: "red")
        let counts = try #require(ElementCounter.count(doc.text), "the SVG does not parse")
        #expect(counts["text"] == 1 && counts["circle"] == 1)
        #expect(doc.text.contains("cotAlpha &lt; 1 &amp; &quot;x&quot; &gt; 0"))
        #expect(!doc.text.contains("nan") && !doc.text.contains("inf"))
    }

    /// Every reference point, every in-range deviation and every out-of-range one (as an
    /// arrowhead) is drawn: 2 conditions x 3 reference fractions, 2 x 2 comparisons.
    @Test func figureDrawsEveryPointAndParses() throws {
        func condition(_ label: String, _ deviations: [Double]) -> ValidationFigure.Condition {
            ValidationFigure.Condition(
                label: label, fractions: [0.2, 0.6, 1], referenceFractions: [0.21, 0.58, 1], referenceFractionErrors: [0.01, 0.01, 0],
                comparisons: deviations.enumerated().map {
                    ValidationFigure.Comparison(name: "obs\($0.offset)", simulated: 10 + $0.element, reference: 10, tolerance: 1)
                })
        }
        let svg = ValidationFigure.svg([condition("a", [0.5, -2]), condition("b", [4, 0])], sliceWidth: 0.2, title: "test")
        let counts = try #require(ElementCounter.count(svg), "the SVG does not parse")
        #expect(counts["polyline"] == 2)  // one curve per condition
        // 6 reference points + 3 in-range deviations + 2 legend markers.
        #expect(counts["circle"] == 6 + 3 + 2)
        #expect(counts["polygon"] == 1)  // the deviation of 4 is beyond the axis
        #expect(ValidationFigure.Comparison(name: "x", simulated: 12, reference: 10, tolerance: 1).deviation == 2)
    }

    /// One cell per observable and condition (grey where missing), a 30-step colour scale;
    /// red above, blue below, white at zero, framed beyond three standard errors.
    @Test func pairedFigureDrawsEveryCell() throws {
        let cells: [[PairedFigure.Cell?]] = [
            [.init(sigma: 0, pit: 0.5), .init(sigma: 4, pit: 0.9), .init(sigma: nil, pit: 0.4)],
            [.init(sigma: -7, pit: 0.02), nil, .init(sigma: .nan, pit: 0.5)],
        ]
        let svg = PairedFigure.svg(observables: ["a", "b"], conditions: ["0, 0", "1, 0", "4, 0"], cells: cells, title: "t")
        let counts = try #require(ElementCounter.count(svg), "the SVG does not parse")
        #expect(counts["rect"] == 1 + 6 + 30)  // background, cells, colour scale
        #expect(svg.contains(">0.90 (4.0)<") && svg.contains(">0.40<"))  // PIT and sigma; PIT alone without an error
        #expect(ValidationFigure.format(-0.001, 1) == "0.0" && ValidationFigure.format(-0.26, 1) == "-0.3")
        #expect(PairedFigure.colour(0) == "#ffffff" && PairedFigure.colour(5) == "#ff2626" && PairedFigure.colour(-9) == "#2626ff")
        #expect(PairedFigure.colour(.infinity) == "#ff2626" && PairedFigure.colour(.nan) == "#ffffff")
        #expect(svg.components(separatedBy: "stroke=\"#222\"").count - 1 == 2)  // the cells at 4 and -7
    }

    @Test func latencyFigureDrawsTheCurveAndTheBudget() throws {
        let points = [(0.0, 190.0), (50, 441), (99, 1032), (99.9, 1292), (100, 1_069_055)].map { (percentile: $0.0, nanoseconds: $0.1) }
        let svg = LatencyFigure.svg(points, budget: 2000, overBudget: 42, events: 80670, title: "t")
        let counts = try #require(ElementCounter.count(svg), "the SVG does not parse")
        #expect(counts["polyline"] == 1 && counts["circle"] == points.count)
        #expect(svg.contains("budget 2 us: 42 of 80670 events over"))
        #expect(LatencyFigure.label(nanoseconds: 1_000_000) == "1 ms" && LatencyFigure.label(nanoseconds: 2500) == "2.5 us")
    }
}
