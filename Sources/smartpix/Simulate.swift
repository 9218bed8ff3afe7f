import ArgumentParser
import CommandLineSupport
import Foundation
import Randomness
import ReadoutProtocol
import ReadoutSim
import ReferenceData

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate clusters at fixed angles and write them as NumPy arrays.",
        discussion: """
            Writes OUT-charge.npy, float32 (N, slices, 13, 21): cumulative induced charge in \
            electrons per slice, row (y) and column (x), before any front end; and \
            OUT-labels.npy, float32 (N, 13): the truth labels in the smart-pixels-ml order \
            (x-entry, y-entry, z-entry, n_x, n_y, n_z, number_eh_pairs, y-local, pt, cotAlpha, \
            cotBeta, y-midplane, x-midplane; micrometres, GeV). The hit is drawn uniformly over \
            the central 3 x 3 pixels, as in PixelAV's reference grid.
            """
    )

    @Option(parsing: .unconditional, help: "cotAlpha = n_x / n_z (along the beam); negative values as they are (--cot-alpha -1).")
    var cotAlpha = 0.0
    @Option(parsing: .unconditional, help: "cotBeta = n_y / n_z (bending direction).")
    var cotBeta = 0.0
    @Option(help: "Momentum, GeV (pions).")
    var momentum = 10.0
    @Option(help: "Sensor geometry: type1 ... type7.")
    var geometry = "type2"
    @Option(help: "Number of clusters.")
    var count = 1000
    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 1
    @Option(help: "Output prefix: writes PREFIX-charge.npy and PREFIX-labels.npy.")
    var out: String
    @OptionGroup var model: PhysicsModelOptions
    @OptionGroup(title: "Sensor conditions") var conditions: SensorConditionOptions

    func validate() throws {
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be 1 to 10000000, got \(count)") }
        guard cotAlpha.isFinite, cotBeta.isFinite, abs(cotAlpha) <= 20, abs(cotBeta) <= 20 else {
            throw ValidationError("--cot-alpha and --cot-beta must be within +-20")
        }
        guard momentum > 0, momentum.isFinite else { throw ValidationError("--momentum must be positive GeV, got \(momentum)") }
        try OutputPath.check(out + "-charge.npy", flag: "--out")
    }

    func run() throws {
        var settings = SimulationSettings()
        settings.sensor = try conditions.sensor(.named(geometry))
        try model.apply(to: &settings)
        let sim = try ClusterSimulator(settings)
        let g = settings.sensor.geometry
        var rng = SplitMix64(seed: seed)
        var workspace = ClusterSimulator.Workspace()
        var charges: [Float] = [], labels: [Float] = []
        var charge: [Float] = []
        var gun = FixedAngleGun(cotAlpha: cotAlpha, cotBeta: cotBeta, momentum: momentum, geometry: g)
        for _ in 0..<count {
            labels += sim.simulate(gun.next(&rng)!, charge: &charge, workspace: &workspace, rng: &rng)
            charges += charge
        }
        let shape = sim.shape
        try OutputPath.write(NumPyArray(float32: charges, shape: [count, shape.slices, shape.rows, shape.columns]).npy, to: out + "-charge.npy", flag: "--out")
        try OutputPath.write(NumPyArray(float32: labels, shape: [count, TruthLabel.count]).npy, to: out + "-labels.npy", flag: "--out")
        print(
            "wrote \(out)-charge.npy and \(out)-labels.npy (\(count) clusters, \(g), \(settings.sensor.conditions); \(PhysicsModelOptions.describe(settings, implants: false)))"
        )
    }
}
