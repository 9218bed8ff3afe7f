import Foundation
import Randomness
import ReadoutProtocol

/// The full chain for one track: deposition -> drift -> induction, giving the cumulative
/// induced charge per slice before any front end. Geometry-fixed work (drift table, weighting
/// potential) is done once at init; a simulator is a value and cheap to copy to threads.
public struct ClusterSimulator: Sendable {
    public let settings: SimulationSettings
    public let deposition: ChargeDeposition
    public let signal: InducedSignal

    public init(_ settings: SimulationSettings = .init()) throws(SimulationSettings.Invalid) {
        try settings.validate()
        self.settings = settings
        let sensor = settings.sensor
        let field = settings.field ?? .linear(sensor)
        let drift = DriftTable(sensor: sensor, field: field, sliceTimes: settings.sliceTimes)
        let potential = settings.potential ?? .cell(sensor.geometry)
        deposition = ChargeDeposition(geometry: sensor.geometry, spectrum: settings.spectrum)
        signal = InducedSignal(drift: drift, potential: potential, rows: settings.rows, columns: settings.columns)
    }

    public var shape: FrameShape { FrameShape(rows: settings.rows, columns: settings.columns, slices: settings.sliceTimes.count) }

    /// Reusable buffers, one per thread.
    public struct Workspace {
        var packets = ChargePackets()
        var deltas: [Double] = []
        var collected: [Float] = []
        public init() {}
    }

    /// Simulates `track` into `charge` (overwritten) and returns its truth labels. A flipped
    /// module is simulated as the unflipped one seen in the mirror y -> -y: the mirrored
    /// track's frame with its rows reversed.
    public func simulate(_ track: Track, charge: inout [Float], workspace: inout Workspace, rng: inout some RandomNumberGenerator) -> [Float] {
        deposition.deposit(track.flipped ? track.mirroredInY : track, into: &workspace.packets, deltas: &workspace.deltas, rng: &rng)
        signal.induce(workspace.packets, into: &charge, collected: &workspace.collected)
        if track.flipped { reverseRows(&charge) }
        return truth(track, pairs: workspace.packets.totalPairs)
    }

    func reverseRows(_ charge: inout [Float]) {
        let rows = settings.rows, columns = settings.columns
        for k in 0..<settings.sliceTimes.count {
            for r in 0..<(rows / 2) {
                let a = (k * rows + r) * columns, b = (k * rows + rows - 1 - r) * columns
                for c in 0..<columns { charge.swapAt(a + c, b + c) }
            }
        }
    }

    public func simulate(_ track: Track, rng: inout some RandomNumberGenerator) -> Cluster {
        var workspace = Workspace()
        var charge: [Float] = []
        let truth = simulate(track, charge: &charge, workspace: &workspace, rng: &rng)
        return Cluster(charge: charge, truth: truth)
    }

    /// Truth labels in the smart-pixels-ml set (TruthLabel order).
    public func truth(_ track: Track, pairs: Double) -> [Float] {
        var t = [Float](repeating: 0, count: TruthLabel.count)
        Self.fillTruth(&t, track, pairs: pairs, thickness: settings.sensor.geometry.thickness)
        return t
    }

    static func fillTruth(_ t: inout [Float], _ track: Track, pairs: Double, thickness d: Double) {
        let entry = track.position(atDepth: d, thickness: d)
        let n = track.direction
        t[TruthLabel.xEntry.rawValue] = Float(entry.x)
        t[TruthLabel.yEntry.rawValue] = Float(entry.y)
        t[TruthLabel.zEntry.rawValue] = Float(d)
        t[TruthLabel.nX.rawValue] = Float(n.x)
        t[TruthLabel.nY.rawValue] = Float(n.y)
        t[TruthLabel.nZ.rawValue] = Float(n.z)
        t[TruthLabel.numberEHPairs.rawValue] = Float(pairs)
        t[TruthLabel.yLocal.rawValue] = Float(track.yModule)
        t[TruthLabel.pt.rawValue] = Float(track.pt)
        t[TruthLabel.cotAlpha.rawValue] = Float(track.cotAlpha)
        t[TruthLabel.cotBeta.rawValue] = Float(track.cotBeta)
        t[TruthLabel.yMidplane.rawValue] = Float(track.yMidplane)
        t[TruthLabel.xMidplane.rawValue] = Float(track.xMidplane)
    }
}
