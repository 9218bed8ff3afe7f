import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the trained models the project ships (models/), with their evaluation.",
        discussion: """
            Each model's residual sigmas and pull widths on its training data's test set (the \
            integer engine on clusters simulated as readout-sim publishes them, from a seed the \
            training never saw), and the fraction of weights that are 0. Any command's --model \
            takes these names; without one, commands use \(ModelCatalog.defaultName). \
            Full records: models/NAME.record.json.
            """
    )

    func run() throws {
        let names = ModelCatalog.names
        guard !names.isEmpty else {
            print("no models in \(ModelCatalog.folder)")
            return
        }
        print("models in \(ModelCatalog.folder) (default \(ModelCatalog.defaultName)):")
        print("name                    slices params  zero %   x um   y um   cotA    cotB    pulls x, y, cotA, cotB   trained")
        for name in names {
            let m = try ModelCatalog.load(name, flag: "models").model
            let recordPath = ModelCatalog.folder + "/\(name).record.json"
            var record: Train.Record?
            var problem = "no record"
            if let data = FileManager.default.contents(atPath: recordPath) {
                do { record = try JSONDecoder().decode(Train.Record.self, from: data) } catch { problem = "\(recordPath) unreadable: \(error)" }
            }
            let zero = 100 * Double(m.codeTensors.reduce(0) { $0 + $1.zero }) / Double(max(m.codeTensors.reduce(0) { $0 + $1.total }, 1))
            var line =
                name.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(format: "%5d %6d %6.1f", m.architecture.slices, m.architecture.parameterCount, zero)
            if let e = record?.evaluation {
                line += String(
                    format: "  %5.2f  %5.2f  %6.4f  %6.4f   %4.2f %4.2f %4.2f %4.2f   %.0f min", e.residualSigma.x, e.residualSigma.y, e.residualSigma.cotAlpha,
                    e.residualSigma.cotBeta, e.pullSigma.x, e.pullSigma.y, e.pullSigma.cotAlpha, e.pullSigma.cotBeta, (record?.wallSeconds ?? 0) / 60)
            } else {
                line += "  (\(problem))"
            }
            print(line)
        }
    }
}
