import Foundation

/// Operating conditions of a sensor (physics.md): temperature, magnetic field, Hall factors,
/// depletion and, for irradiated sensors, trapping. (Module orientation is per track:
/// `Track.flipped`.)
public struct SensorConditions: Sendable, Equatable {
    /// Kelvin.
    public var temperature: Double = 263
    /// Tesla, along x (the beam direction) in the unflipped module's local frame.
    public var magneticField: Double = 3.8
    /// Hall scattering factors r_H (tan theta_L = r_H mu B).
    public var hallFactorElectrons: Double = 1.10
    public var hallFactorHoles: Double = 0.70
    /// Full-depletion voltage of the depleted bulk, volts; `nil` takes 9 V x (depleted
    /// thickness / 100 um)^2, the doping that gives the slope of PixelAV's TCAD field for the
    /// type-2 sensor (docs/physics.md).
    public var depletionVoltage: Double? = nil
    /// Depth of the undepleted implant at each face (the n+ pixels and the p+ back contact),
    /// micrometres: the bias drops across the bulk between them. 2 um: PixelAV's TCAD field for
    /// the type-2 sensor is 10.42 kV/cm at mid-depth, 100 V over 96 um.
    public var implantDepth: Double = Self.defaultImplantDepth
    public static let defaultImplantDepth = 2.0
    /// Effective trapping time for electrons and holes, nanoseconds; `nil` for an
    /// unirradiated sensor (no trapping).
    public var trappingTime: Double? = nil

    public init() {}

    /// The thickness of the depleted bulk of a sensor `thickness` micrometres thick.
    public func depletedThickness(_ thickness: Double) -> Double { thickness - 2 * implantDepth }

    /// The depletion voltage used for a sensor of `thickness` micrometres.
    public func depletion(thickness: Double) -> Double {
        let w = depletedThickness(thickness)
        return depletionVoltage ?? 9 * (w / 100) * (w / 100)
    }
}

extension SensorConditions: CustomStringConvertible {
    /// "263 K, 3.8 T", with the depletion voltage and trapping time when set.
    public var description: String {
        var parts = ["\(temperature.formatted()) K", "\(magneticField.formatted()) T"]
        if let v = depletionVoltage { parts.append("depletion \(v.formatted()) V") }
        if implantDepth != Self.defaultImplantDepth { parts.append("implants \(implantDepth.formatted()) um") }
        if let t = trappingTime { parts.append("trapping \(t.formatted()) ns") }
        return parts.joined(separator: ", ")
    }
}

/// A sensor ready to simulate: geometry and conditions, checked together.
public struct Sensor: Sendable, Equatable {
    public let geometry: SensorGeometry
    public let conditions: SensorConditions

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case condition(String)
        case underDepleted(bias: Double, depletion: Double)
        case implantDepth(depth: Double, thickness: Double)

        public var description: String {
            switch self {
            case .condition(let s): s
            case let .underDepleted(bias, depletion):
                "bias \(bias) V is below the full-depletion voltage \(depletion) V: the planar field model needs a fully depleted sensor (raise the bias or set a lower depletion voltage)"
            case let .implantDepth(depth, thickness):
                "implant depth \(depth) um: must be 0 to a quarter of the \(thickness) um thickness, so that at least half the sensor is depleted"
            }
        }
    }

    public init(geometry: SensorGeometry = .smartPixelsDefault, conditions: SensorConditions = .init()) throws(Invalid) {
        let c = conditions
        guard c.temperature > 0, c.temperature.isFinite else { throw .condition("temperature must be positive kelvin, got \(c.temperature)") }
        guard c.magneticField.isFinite else { throw .condition("magnetic field must be finite, got \(c.magneticField)") }
        guard c.hallFactorElectrons > 0, c.hallFactorHoles > 0, c.hallFactorElectrons.isFinite, c.hallFactorHoles.isFinite else {
            throw .condition("Hall factors must be positive, got \(c.hallFactorElectrons) and \(c.hallFactorHoles)")
        }
        if let t = c.trappingTime, !(t > 0 && t.isFinite) { throw .condition("trapping time must be positive nanoseconds, got \(t)") }
        guard c.implantDepth >= 0, c.implantDepth <= geometry.thickness / 4 else { throw .implantDepth(depth: c.implantDepth, thickness: geometry.thickness) }
        let depletion = c.depletion(thickness: geometry.thickness)
        guard depletion >= 0, depletion.isFinite else { throw .condition("depletion voltage must be non-negative, got \(depletion)") }
        guard geometry.bias >= depletion else { throw .underDepleted(bias: geometry.bias, depletion: depletion) }
        self.geometry = geometry
        self.conditions = conditions
    }

    public static let smartPixels = try! Sensor()
}
