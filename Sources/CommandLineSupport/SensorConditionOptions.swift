import ArgumentParser
import ReadoutSim

/// The sensor's operating conditions as command-line options, shared by the executables
/// that simulate (readout-sim, smartpix simulate). Defaults are physics.md's: 263 K, 3.8 T,
/// implants 2 um deep, depletion 9 V x (depleted thickness / 100 um)^2, no trapping.
public struct SensorConditionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sensor temperature, kelvin.", discussion: "Sets the mobilities, and through them drift speed, Lorentz angle and diffusion."))
    public var temperature: Double = 263

    @Option(parsing: .unconditional, help: ArgumentHelp("Magnetic field along the beam (x), tesla; 0 for a test beam without field, negative to reverse it."))
    public var magneticField: Double = 3.8

    @Option(help: ArgumentHelp("Full-depletion voltage, volts (default 9 V x (depleted thickness / 100 um)^2).", valueName: "volts"))
    public var depletionVoltage: Double?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Depth of the undepleted implant at each face, micrometres.",
            discussion: "The bias drops across the bulk between the pixel implants and the back contact; 0 spreads it over the whole thickness.",
            valueName: "um"))
    public var implantDepth = SensorConditions.defaultImplantDepth

    @Option(
        help: ArgumentHelp(
            "Trapping time of electrons and holes, nanoseconds (irradiated sensors; default: none).",
            discussion: "A trapped carrier stops; the charge it induced stays (docs/physics.md).", valueName: "ns"))
    public var trappingTime: Double?

    public init() {}

    public func validate() throws {
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive kelvin, got \(temperature)") }
        guard magneticField.isFinite, abs(magneticField) <= 20 else { throw ValidationError("--magnetic-field must be within +-20 T, got \(magneticField)") }
        if let v = depletionVoltage, !(v >= 0 && v.isFinite) { throw ValidationError("--depletion-voltage must be 0 or more volts, got \(v)") }
        if let t = trappingTime, !(t > 0 && t.isFinite) { throw ValidationError("--trapping-time must be positive nanoseconds, got \(t)") }
    }

    /// The sensor of `geometry` under these conditions; a bias below depletion is refused
    /// with the option that changes it.
    public func sensor(_ geometry: SensorGeometry) throws -> Sensor {
        var c = SensorConditions()
        c.temperature = temperature
        c.magneticField = magneticField
        c.depletionVoltage = depletionVoltage
        c.trappingTime = trappingTime
        c.implantDepth = implantDepth
        do {
            return try Sensor(geometry: geometry, conditions: c)
        } catch .underDepleted(let bias, let depletion) {
            throw ValidationError("\(geometry): bias \(bias) V is below the full-depletion voltage \(depletion) V (--depletion-voltage)")
        } catch {
            // The sensor checks the implant depth against the geometry's thickness.
            if case .implantDepth = error { throw ValidationError("--implant-depth: \(error)") }
            throw ValidationError("sensor conditions: \(error)")
        }
    }
}
