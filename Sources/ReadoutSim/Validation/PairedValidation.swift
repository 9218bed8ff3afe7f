import Dispatch
import Foundation
import Randomness
import ReadoutProtocol
import ReferenceData
import Synchronization

/// PixelAV's own clusters against this simulator on the same tracks. Each reference
/// cluster's track (angles, momentum, mid-plane hit) is simulated `repeats` times and every
/// observable compared cluster by cluster. Pairing takes out the scatter of hit positions
/// that 50 clusters per condition leave in the grid's means; what remains is the scatter
/// of PixelAV's values around ours for the same track. Where PixelAV's value falls in our
/// distribution for its track (the probability integral transform, PIT) tests the whole
/// distribution: its mean is 0.5 when PixelAV's clusters could be draws of ours.
public enum PairedValidation {
    /// One reference cluster: its track and its charge (slices x rows x columns, electrons).
    public struct ReferenceCluster: Sendable {
        public var track: Track
        public var charge: [Float]

        public init(track: Track, charge: [Float]) {
            self.track = track
            self.charge = charge
        }
    }

    /// One observable of one condition.
    public struct Statistic: Sendable, Encodable {
        public var name: String
        /// Mean of PixelAV's per-cluster values, and of ours (each track's mean over repeats).
        public var reference: Double, simulated: Double
        /// Mean per cluster of PixelAV's value minus our track mean, and its standard error
        /// (nil for a single cluster).
        public var difference: Double, error: Double?
        /// Mean PIT and its standard error.
        public var pit: Double, pitError: Double?
        /// Standard deviation of (PixelAV - our mean) / our spread per track, corrected for
        /// our finite repeats: 1 when PixelAV's values scatter as widely as ours (nil with
        /// fewer than two clusters whose values vary, and for the sizes). A single outlier
        /// moves it far on heavy-tailed observables; the PIT is the robust test.
        public var spread: Double?

        enum CodingKeys: String, CodingKey {
            case name, reference = "pixelav", simulated, difference, error, pit, pitError = "pit_error", spread
        }
    }

    /// One condition (a pair of track angles) of the reference.
    public struct Result: Sendable {
        public var cotAlpha: Double, cotBeta: Double
        /// Clusters compared, and reference clusters left out because their last slice (or
        /// every one of our repeats) held no charge.
        public var clusters: Int, skipped: Int
        public var statistics: [Statistic]
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads PixelAV clusters in the layout of ../shared/reference/pixelav-grid-clusters.npz:
    /// `charge` (N, slices, rows, columns) and `labels` (N, 13) whose columns `label_cols`
    /// names (x-entry ... y-midplane; the reference README's order when absent). Only
    /// unflipped modules (z-entry at the pixel side) are read.
    public static func load(npz path: String, shape: FrameShape, thickness: Double) throws(Invalid) -> [ReferenceCluster] {
        let arrays: [String: NumPyArray]
        do { arrays = try NumPyArchive.load(path: path) } catch { throw Invalid(description: "\(path): \(error)") }
        let expected = [shape.slices, shape.rows, shape.columns]
        guard let charge = arrays["charge"], charge.shape.count == 4, Array(charge.shape.dropFirst()) == expected else {
            throw Invalid(description: "\(path): needs a charge array of shape (N, \(expected.map(String.init).joined(separator: ", ")))")
        }
        let n = charge.shape[0]
        guard let labels = arrays["labels"], labels.shape == [n, 13] else { throw Invalid(description: "\(path): needs a labels array of shape (\(n), 13)") }
        let names =
            (try? arrays["label_cols"]?.strings())
            ?? ["x-entry", "y-entry", "z-entry", "px", "py", "pz", "n_eh", "y_module", "qpT", "cotAlpha", "cotBeta", "x-midplane", "y-midplane"]
        func column(_ name: String) throws(Invalid) -> Int {
            guard let i = names.firstIndex(of: name) else { throw Invalid(description: "\(path): label_cols has no '\(name)'") }
            return i
        }
        let (za, ca, cb, xm, ym) = (try column("z-entry"), try column("cotAlpha"), try column("cotBeta"), try column("x-midplane"), try column("y-midplane"))
        let (px, py, pz, qpt) = (try column("px"), try column("py"), try column("pz"), try column("qpT"))
        let values: [Double], counts: [Float]
        do {
            values = labels.descr == "<f4" ? try labels.float32().map(Double.init) : try labels.float64()
            counts = charge.descr == "<f4" ? try charge.float32() : try charge.int32().map(Float.init)
        } catch { throw Invalid(description: "\(path): \(error)") }
        let perCluster = expected.reduce(1, *)
        return try (0..<n).map { i throws(Invalid) in
            let l = values[(i * 13)..<(i * 13 + 13)]
            func v(_ c: Int) -> Double { l[l.startIndex + c] }
            let momentum = (v(px) * v(px) + v(py) * v(py) + v(pz) * v(pz)).squareRoot()
            guard [v(ca), v(cb), v(xm), v(ym)].allSatisfy({ $0.isFinite }), abs(v(ca)) <= 20, abs(v(cb)) <= 20, momentum > 0, momentum.isFinite else {
                throw Invalid(description: "\(path): cluster \(i): labels need finite angles within +-20, positions and a momentum")
            }
            guard abs(v(za) - thickness) < 1e-3 else {
                throw Invalid(
                    description: "\(path): cluster \(i): z-entry \(v(za)) um is not the pixel side (\(thickness) um); flipped modules are not compared")
            }
            let track = Track(
                cotAlpha: v(ca), cotBeta: v(cb), xMidplane: v(xm), yMidplane: v(ym), momentum: momentum, charge: v(qpt) < 0 ? -1 : 1)
            return ReferenceCluster(track: track, charge: Array(counts[(i * perCluster)..<((i + 1) * perCluster)]))
        }
    }

    /// Groups `clusters` by track angles (to 1e-3) and compares each group, simulating every
    /// cluster's track `repeats` times from its own seeded stream (results do not depend on
    /// threads).
    public static func run(_ clusters: [ReferenceCluster], simulator sim: ClusterSimulator, repeats: Int, seed: UInt64 = 1) -> [Result] {
        precondition(repeats >= 2)
        let s = sim.settings, slices = s.sliceTimes.count
        // Every cluster's measures and our repeats' (simulated in parallel).
        let simulated = Mutex<[[ClusterMeasures]]>(Array(repeating: [], count: clusters.count))
        DispatchQueue.concurrentPerform(iterations: clusters.count) { i in
            var rng = SplitMix64.stream(seed: seed, index: UInt64(i))
            var workspace = ClusterSimulator.Workspace()
            var charge: [Float] = []
            var list: [ClusterMeasures] = []
            for _ in 0..<repeats {
                _ = sim.simulate(clusters[i].track, charge: &charge, workspace: &workspace, rng: &rng)
                if let m = ClusterMeasures(charge: charge, track: clusters[i].track, settings: s) { list.append(m) }
            }
            simulated.withLock { $0[i] = list }
        }
        let ours = simulated.withLock { $0 }
        func key(_ t: Track) -> [Int] { [Int((t.cotAlpha * 1000).rounded()), Int((t.cotBeta * 1000).rounded())] }
        let groups = Dictionary(grouping: clusters.indices, by: { key(clusters[$0].track) }).sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return groups.map { k, members in
            var pairs: [(reference: ClusterMeasures, ours: [ClusterMeasures])] = []
            for i in members {
                guard let r = ClusterMeasures(charge: clusters[i].charge, track: clusters[i].track, settings: s), ours[i].count >= 2 else { continue }
                pairs.append((r, ours[i]))
            }
            // Charge fractions only while PixelAV's is still rising, as the grid comparison. No
            // spread for the sizes: counts that barely vary per track make it meaningless.
            var observables: [(name: String, value: (ClusterMeasures) -> Double, counts: Bool)] = [
                ("charge_total", { $0.total }, false), ("x_size", { Double($0.xSize) }, true), ("y_size", { Double($0.ySize) }, true),
                ("x_shift_um", { $0.xShift }, false), ("y_shift_um", { $0.yShift }, false), ("min_neighbour", { $0.earlyMinimum }, false),
            ]
            for slice in 0..<slices where pairs.reduce(0, { $0 + $1.reference.fractions[slice] }) < 0.999 * Double(pairs.count) {
                observables.append(("charge_fraction[\(slice)]", { $0.fractions[slice] }, false))
            }
            return Result(
                cotAlpha: Double(k[0]) / 1000, cotBeta: Double(k[1]) / 1000, clusters: pairs.count, skipped: members.count - pairs.count,
                statistics: pairs.isEmpty
                    ? []
                    : observables.map { o in
                        var s = statistic(o.name, pairs.map { (o.value($0.reference), $0.ours.map(o.value)) })
                        if o.counts { s.spread = nil }
                        return s
                    })
        }
    }

    /// The comparison of one observable over clusters (at least one): (PixelAV's value, our
    /// repeats' values, at least two).
    static func statistic(_ name: String, _ pairs: [(reference: Double, ours: [Double])]) -> Statistic {
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func deviation(_ x: [Double]) -> Double? {
            guard x.count > 1 else { return nil }
            let m = mean(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
        }
        var differences: [Double] = [], pits: [Double] = [], standardized: [Double] = []
        for (p, values) in pairs {
            let m = mean(values), r = Double(values.count)
            differences.append(p - m)
            pits.append((Double(values.count { $0 < p }) + 0.5 * Double(values.count { $0 == p })) / r)
            if let sd = deviation(values), sd > 0 { standardized.append((p - m) / sd) }
        }
        let n = Double(pairs.count).squareRoot(), repeats = mean(pairs.map { Double($0.ours.count) })
        return Statistic(
            name: name, reference: mean(pairs.map(\.reference)), simulated: mean(pairs.map { mean($0.ours) }), difference: mean(differences),
            error: deviation(differences).map { $0 / n }, pit: mean(pits), pitError: deviation(pits).map { $0 / n },
            // var(p - mean of r draws) = sigma^2 (1 + 1/r) when p is one more draw.
            spread: deviation(standardized).map { $0 / (1 + 1 / repeats).squareRoot() })
    }
}
