import Dispatch
import Foundation
import Randomness
import Synchronization

/// Simulates the reference conditions (10 GeV pions, hit uniform over the central 3 x 3
/// pixels, no front end) and computes the PixelAV observables.
public enum PhysicsValidation {
    public struct Result: Sendable {
        public var condition: ValidationCondition
        public var observables: ClusterObservables
    }

    /// `defaultCount` clusters per condition unless the condition says otherwise; each
    /// condition draws from its own seeded stream, so results do not depend on threads.
    public static func run(
        _ conditions: [ValidationCondition], settings base: SimulationSettings = .init(), defaultCount: Int = 2000, seed: UInt64 = 1
    ) throws -> [Result] {
        var simulators: [String: ClusterSimulator] = [:]
        for c in conditions {
            let name = c.geometry ?? base.sensor.geometry.name
            if simulators[name] == nil {
                var settings = base
                if name != base.sensor.geometry.name {
                    settings.sensor = try Sensor(geometry: .named(name), conditions: base.sensor.conditions)
                    settings.potential = nil
                    settings.field = nil
                }
                simulators[name] = try ClusterSimulator(settings)
            }
        }
        let built = simulators
        let results = Mutex<[Result?]>(Array(repeating: nil, count: conditions.count))
        DispatchQueue.concurrentPerform(iterations: conditions.count) { i in
            let c = conditions[i]
            let sim = built[c.geometry ?? base.sensor.geometry.name]!
            let observables = simulate(c, simulator: sim, count: c.count ?? defaultCount, seed: seed, index: UInt64(i))
            results.withLock { $0[i] = Result(condition: c, observables: observables) }
        }
        return results.withLock { $0.map { $0! } }
    }

    public static func simulate(_ c: ValidationCondition, simulator sim: ClusterSimulator, count: Int, seed: UInt64, index: UInt64) -> ClusterObservables {
        var rng = SplitMix64.stream(seed: seed, index: index)
        let g = sim.settings.sensor.geometry
        var workspace = ClusterSimulator.Workspace()
        var measures: [ClusterMeasures] = []
        var charge: [Float] = []
        var gun = FixedAngleGun(cotAlpha: c.cotAlpha, cotBeta: c.cotBeta, momentum: 10, geometry: g)
        let s = sim.settings
        for _ in 0..<count {
            let track = gun.next(&rng)!
            _ = sim.simulate(track, charge: &charge, workspace: &workspace, rng: &rng)
            if let m = ClusterMeasures(charge: charge, track: track, settings: s) { measures.append(m) }
        }
        return ClusterObservables(measures, slices: s.sliceTimes.count)
    }
}
