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
        /// The difference in units of its standard error (infinite when every cluster differs
        /// by the same amount; nil for a single cluster).
        public var sigma: Double? {
            error.map { $0 > 0 ? difference / $0 : difference == 0 ? 0 : difference > 0 ? .infinity : -.infinity }
        }
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
    public struct Result: Sendable, Encodable {
        public var cotAlpha: Double, cotBeta: Double
        /// Clusters compared, and reference clusters left out because their last slice (or all
        /// but one of our repeats) held no charge.
        public var clusters: Int, skipped: Int
        /// Our repeats of the compared clusters left out because their last slice held no charge.
        public var emptyRepeats: Int
        public var statistics: [Statistic]

        enum CodingKeys: String, CodingKey {
            case cotAlpha = "cot_alpha", cotBeta = "cot_beta", clusters = "n", skipped, emptyRepeats = "empty_repeats", statistics
        }
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

    /// Our distribution of one observable for one track, summed as the repeats come (no
    /// repeat is kept): count, mean, sum of squared deviations (Welford), and how many fell
    /// below and on the reference value.
    struct Summary: Sendable {
        var count = 0.0, mean = 0.0, squares = 0.0, below = 0.0, equal = 0.0

        mutating func add(_ x: Double, reference p: Double) {
            count += 1
            let d = x - mean
            mean += d / count
            squares += d * (x - mean)
            if x < p { below += 1 } else if x == p { equal += 1 }
        }

        var deviation: Double? { count > 1 ? (squares / (count - 1)).squareRoot() : nil }
        var pit: Double { (below + 0.5 * equal) / count }
    }

    /// The observables compared, in order: six scalars, then the charge fraction per slice.
    static let scalars = ["charge_total", "x_size", "y_size", "x_shift_um", "y_shift_um", "min_neighbour"]
    static func values(_ m: ClusterMeasures) -> [Double] {
        [m.total, Double(m.xSize), Double(m.ySize), m.xShift, m.yShift, m.earlyMinimum] + m.fractions
    }

    /// Groups `clusters` by track angles (to 1e-3) and compares each group, simulating every
    /// cluster's track `repeats` times from its own seeded stream (results do not depend on
    /// threads). `progress` hears how many clusters are done, as they finish.
    public static func run(
        _ clusters: [ReferenceCluster], simulator sim: ClusterSimulator, repeats: Int, seed: UInt64 = 1,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) -> [Result] {
        precondition(repeats >= 2)
        let s = sim.settings, slices = s.sliceTimes.count
        let references = clusters.map { ClusterMeasures(charge: $0.charge, track: $0.track, settings: s).map(values) }
        // Per cluster, our summary of every observable (nil when the reference has no charge).
        let summaries = Mutex<(done: Int, list: [[Summary]?])>((0, Array(repeating: nil, count: clusters.count)))
        DispatchQueue.concurrentPerform(iterations: clusters.count) { i in
            var list: [Summary]? = nil
            if let reference = references[i] {
                var rng = SplitMix64.stream(seed: seed, index: UInt64(i))
                var workspace = ClusterSimulator.Workspace()
                var charge: [Float] = []
                var sums = [Summary](repeating: Summary(), count: reference.count)
                for _ in 0..<repeats {
                    _ = sim.simulate(clusters[i].track, charge: &charge, workspace: &workspace, rng: &rng)
                    guard let m = ClusterMeasures(charge: charge, track: clusters[i].track, settings: s) else { continue }
                    for (k, x) in values(m).enumerated() { sums[k].add(x, reference: reference[k]) }
                }
                list = sums
            }
            let done = summaries.withLock {
                $0.list[i] = list
                $0.done += 1
                return $0.done
            }
            progress?(done, clusters.count)
        }
        let ours = summaries.withLock { $0.list }
        func key(_ t: Track) -> [Int] { [Int((t.cotAlpha * 1000).rounded()), Int((t.cotBeta * 1000).rounded())] }
        let groups = Dictionary(grouping: clusters.indices, by: { key(clusters[$0].track) }).sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return groups.map { k, members in
            let pairs = members.compactMap { i -> (reference: [Double], ours: [Summary])? in
                guard let r = references[i], let o = ours[i], o[0].count >= 2 else { return nil }
                return (r, o)
            }
            // Charge fractions only while PixelAV's is still rising, as the grid comparison. No
            // spread for the sizes: counts that barely vary per track make it meaningless.
            let n = Double(pairs.count)
            let rising = (0..<slices).filter { k in pairs.reduce(0) { $0 + $1.reference[scalars.count + k] } < 0.999 * n }
            let observables = scalars.indices.map { (scalars[$0], $0) } + rising.map { ("charge_fraction[\($0)]", scalars.count + $0) }
            return Result(
                cotAlpha: Double(k[0]) / 1000, cotBeta: Double(k[1]) / 1000, clusters: pairs.count, skipped: members.count - pairs.count,
                emptyRepeats: pairs.reduce(0) { $0 + repeats - Int($1.ours[0].count) },
                statistics: pairs.isEmpty
                    ? []
                    : observables.map { name, index in
                        var s = statistic(name, pairs.map { ($0.reference[index], $0.ours[index]) })
                        if name.hasSuffix("_size") { s.spread = nil }
                        return s
                    })
        }
    }

    /// The comparison of one observable over clusters (at least one): PixelAV's value and our
    /// summary of at least two repeats for each.
    static func statistic(_ name: String, _ pairs: [(reference: Double, ours: Summary)]) -> Statistic {
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func deviation(_ x: [Double]) -> Double? {
            guard x.count > 1 else { return nil }
            let m = mean(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
        }
        let differences = pairs.map { $0.reference - $0.ours.mean }, pits = pairs.map(\.ours.pit)
        // A track whose repeats agree to rounding has no spread to divide by (x shifts at
        // cotAlpha 0 differ by 1e-15 um): below 1e-9 of the observable's scale counts as none.
        let scale = pairs.reduce(0) { max($0, abs($1.reference), abs($1.ours.mean)) }
        let standardized = pairs.compactMap { p in p.ours.deviation.flatMap { $0 > 1e-9 * scale ? (p.reference - p.ours.mean) / $0 : nil } }
        let n = Double(pairs.count).squareRoot(), repeats = mean(pairs.map(\.ours.count))
        return Statistic(
            name: name, reference: mean(pairs.map(\.reference)), simulated: mean(pairs.map(\.ours.mean)), difference: mean(differences),
            error: deviation(differences).map { $0 / n }, pit: mean(pits), pitError: deviation(pits).map { $0 / n },
            // var(p - mean of r draws) = sigma^2 (1 + 1/r) when p is one more draw.
            spread: deviation(standardized).map { $0 / (1 + 1 / repeats).squareRoot() })
    }
}
