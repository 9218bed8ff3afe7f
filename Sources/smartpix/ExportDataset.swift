import ArgumentParser
import Dispatch
import Foundation
import Randomness
import ReadoutSim
import ReferenceData
import Synchronization

struct ExportDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-dataset",
        abstract: "Simulate clusters and write them as parquet files in the smart-pixels-ml layout.",
        discussion: """
            Writes DIR/recon3D_TAG.parquet (charge of the 20 slices, columns '0' ... '5459': slice \
            k in k*273 ... k*273+272, 13 rows x 21 columns row-major), DIR/recon2D_TAG.parquet (the \
            last slice, columns '0' ... '272') and DIR/labels_TAG.parquet (x-entry, y-entry, \
            z-entry, n_x, n_y, n_z, number_eh_pairs, y-local, pt, cotAlpha, cotBeta, y-midplane, \
            x-midplane), so that smart-pixels-ml's data generator reads them unchanged. Charge is \
            the induced charge in electrons before any front end, as in PixelAV's datasets. Tracks: \
            --events barrel tracks of the --spectrum, or --tracks FILE, a PixelAV-style track list \
            (the same tracks can then be compared across simulators). Parquet is written by \
            clients/python/smartpix/parquet.py (pandas, pyarrow).
            """
    )

    @Option(help: "Clusters to simulate from barrel tracks.")
    var events: Int?

    @Option(help: "PixelAV-style track list to simulate instead (7 numbers per line; docs/physics.md).")
    var tracks: String?

    @Option(help: "Sensor geometry: type1 ... type7.")
    var geometry = "type2"

    @Option(help: "pT spectrum of barrel tracks: physical or flat (0-5 GeV).")
    var spectrum = "physical"

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "File tag: recon3D_TAG.parquet ... (default: the geometry and seed).")
    var tag: String?

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (events == nil) != (tracks == nil) else { throw ValidationError("give either --events N or --tracks FILE") }
        if let events, !(1...10_000_000).contains(events) { throw ValidationError("--events must be 1 to 10000000, got \(events)") }
        guard spectrum == "physical" || spectrum == "flat" else { throw ValidationError("--spectrum must be physical or flat, got \(spectrum)") }
        do { _ = try SensorGeometry.named(geometry) } catch { throw ValidationError("--geometry: \(error)") }
    }

    func run() throws {
        let g = try SensorGeometry.named(geometry)
        var settings = SimulationSettings()
        settings.sensor = try Sensor(geometry: g)
        let sim = try ClusterSimulator(settings)
        // The tracks, drawn up front so that the simulation can be split between threads.
        var list: [Track] = []
        if let tracks {
            var source: TrackList
            do { source = try TrackList.load(path: tracks, geometry: g) } catch { throw ValidationError("--tracks \(error)") }
            var rng = SplitMix64(seed: seed)
            while let t = source.next(&rng) { list.append(t) }
        } else {
            var source = BarrelTracks(spectrum: spectrum == "flat" ? .flat() : .minimumBias(), geometry: g)
            var rng = SplitMix64(seed: seed)
            for _ in 0..<events! { list.append(source.next(&rng)!) }
        }
        let n = list.count, block = 1000
        let blocks = (n + block - 1) / block
        let charges = Mutex([[Float]](repeating: [], count: blocks)), labels = Mutex([[Float]](repeating: [], count: blocks))
        let all = list, s = seed
        printProgress("export-dataset: simulating \(n) clusters (\(g)) ...")
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            var rng = SplitMix64.stream(seed: s, index: UInt64(b) + 1)
            var workspace = ClusterSimulator.Workspace()
            var charge: [Float] = [], c: [Float] = [], l: [Float] = []
            for i in (b * block)..<min((b + 1) * block, n) {
                l += sim.simulate(all[i], charge: &charge, workspace: &workspace, rng: &rng)
                c += charge
            }
            charges.withLock { $0[b] = c }
            labels.withLock { $0[b] = l }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smartpix-export-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let chargePath = dir.appendingPathComponent("charge.npy"), labelPath = dir.appendingPathComponent("labels.npy")
        try NumPyArray(float32: charges.withLock { $0.flatMap { $0 } }, shape: [n, sim.shape.slices, sim.shape.rows, sim.shape.columns]).npy.write(
            to: chargePath)
        try NumPyArray(float32: labels.withLock { $0.flatMap { $0 } }, shape: [n, 13]).npy.write(to: labelPath)
        let written = try PythonHelper.run(
            "smartpix.parquet", [chargePath.path, labelPath.path, out, tag ?? "\(g.name)_\(seed)"], purpose: "writing parquet to \(out)")
        print(String(decoding: written, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        print("\(n) clusters, \(g)")
    }
}
