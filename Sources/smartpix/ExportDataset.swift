import ArgumentParser
import CommandLineSupport
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
            the induced charge before any front end in whole electrons, rounded to nearest, as \
            PixelAV writes it (smart-pixels-ml counts any non-zero value as a hit, so induction \
            below half an electron is 0). n_x, n_y, n_z are the momentum components in GeV, as \
            in PixelAV's datasets (the wire's truth labels carry the unit direction). Tracks: \
            --events barrel tracks of the --spectrum, or --tracks FILE, a PixelAV-style track list \
            whose lines may give the hit position too (the same tracks, hit for hit, can then be \
            compared across simulators). The three files appear together or not at all. Parquet \
            is written by clients/python/smartpix/parquet.py (pandas, pyarrow).
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
        try OutputPath.checkFolder(out, flag: "--out")
        if let tracks, !FileManager.default.isReadableFile(atPath: tracks) { throw ValidationError("--tracks \(tracks): no such readable file") }
        if let tag, tag.isEmpty || tag.contains("/") { throw ValidationError("--tag '\(tag)': must be a non-empty name without '/'") }
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
                var truth = sim.simulate(all[i], charge: &charge, workspace: &workspace, rng: &rng)
                PixelAVExport.wholeElectrons(&charge)
                PixelAVExport.momentumComponents(&truth, momentum: all[i].momentum)
                l += truth
                c += charge
            }
            charges.withLock { $0[b] = c }
            labels.withLock { $0[b] = l }
        }
        // A private folder (mkdtemp: new, mode 0700): nothing planted beforehand can be followed.
        let dir = try PrivateTemporaryFolder(prefix: "smartpix-export")
        defer { dir.remove() }
        let chargePath = dir.url.appendingPathComponent("charge.npy"), labelPath = dir.url.appendingPathComponent("labels.npy")
        try NumPyArray(float32: charges.withLock { $0.flatMap { $0 } }, shape: [n, sim.shape.slices, sim.shape.rows, sim.shape.columns]).npy.write(
            to: chargePath)
        try NumPyArray(float32: labels.withLock { $0.flatMap { $0 } }, shape: [n, 13]).npy.write(to: labelPath)
        let written = try PythonHelper.run(
            "smartpix.parquet", [chargePath.path, labelPath.path, out, tag ?? "\(g.name)_\(seed)"], purpose: "writing parquet to \(out)")
        print(String(decoding: written, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        print("\(n) clusters, \(g)")
    }
}
