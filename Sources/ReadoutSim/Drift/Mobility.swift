import Foundation

/// Charge carriers in silicon.
public enum Carrier: Sendable {
    case electron, hole
}

/// Jacoboni-Canali field- and temperature-dependent mobility (physics.md):
/// mu(E) = (v_m / E_c) / (1 + (E / E_c)^beta)^(1 / beta).
public struct JacoboniCanali: Sendable, Equatable {
    /// Saturation velocity, cm/s.
    public let saturationVelocity: Double
    /// Critical field, V/cm.
    public let criticalField: Double
    public let beta: Double

    public init(_ carrier: Carrier, temperature t: Double) {
        switch carrier {
        case .electron:
            saturationVelocity = 1.53e9 * pow(t, -0.87)
            criticalField = 1.01 * pow(t, 1.55)
            beta = 0.0257 * pow(t, 0.66)
        case .hole:
            saturationVelocity = 1.62e8 * pow(t, -0.52)
            criticalField = 1.24 * pow(t, 1.68)
            beta = 0.46 * pow(t, 0.17)
        }
    }

    /// Mobility in cm^2/(V s) at field magnitude `field` in V/cm.
    public func mobility(field: Double) -> Double {
        (saturationVelocity / criticalField) / pow(1 + pow(field / criticalField, beta), 1 / beta)
    }
}
