import Foundation
import ReferenceData

/// The drift field of a planar sensor as a function of depth: magnitude in V/cm at z
/// micrometres from the back (z = thickness is the collecting side). Electrons drift to +z,
/// holes to -z. Lateral components (focusing near the implants) are not modelled.
public struct ElectricField: Sendable, Equatable {
    /// Field magnitude at `samples` equally spaced depths from 0 to `thickness`.
    public let samples: [Double]
    public let thickness: Double

    /// The linear field of a fully depleted n-in-p sensor with the junction at the pixel
    /// side, across the bulk between implants `implantDepth` deep at each face (w = d - 2 t
    /// thick): E(z) = (V - V_dep)/w + 2 V_dep (z - t)/w^2, highest at the collecting side.
    /// Within the implants the field keeps its value at their edge, as PixelAV keeps its
    /// TCAD field beyond 5 um of the faces: carriers there are a few micrometres from their
    /// electrode.
    public static func linear(bias: Double, depletion: Double, thickness d: Double, implantDepth t: Double = 0) -> ElectricField {
        let n = 401, w = d - 2 * t
        let samples = (0..<n).map { i -> Double in
            let z = min(max(d * Double(i) / Double(n - 1), t), d - t) - t
            return ((bias - depletion) / w + 2 * depletion * z / (w * w)) * 1e4  // V/um -> V/cm
        }
        return ElectricField(samples: samples, thickness: d)
    }

    public static func linear(_ sensor: Sensor) -> ElectricField {
        let c = sensor.conditions, d = sensor.geometry.thickness
        return linear(bias: sensor.geometry.bias, depletion: c.depletion(thickness: d), thickness: d, implantDepth: c.implantDepth)
    }

    /// A tabulated profile, e.g. |E| along the pixel-centre line of a TCAD map.
    public init(samples: [Double], thickness: Double) {
        precondition(samples.count >= 2 && thickness > 0)
        self.samples = samples
        self.thickness = thickness
    }

    /// |E| at depth z (V/cm), linearly interpolated, clamped to the sensor.
    public func magnitude(atDepth z: Double) -> Double {
        let s = min(max(z / thickness, 0), 1) * Double(samples.count - 1)
        let i = min(Int(s), samples.count - 2)
        let f = s - Double(i)
        return samples[i] * (1 - f) + samples[i + 1] * f
    }

    /// The bias the profile implies: the integral of |E| over the thickness, volts.
    public var integratedVoltage: Double {
        let h = thickness / Double(samples.count - 1) * 1e-4
        return (samples.dropFirst().indices.map { (samples[$0] + samples[$0 - 1]) / 2 }.reduce(0, +)) * h
    }
}

extension ElectricField {
    public struct InvalidMap: Error, CustomStringConvertible {
        public let description: String
    }

    /// |E| along the pixel-centre line of a TCAD field map in the layout of
    /// ../shared/reference/pixelav-maps (npz with `Ez` (x, y, z) in V/cm on `z_um` from the
    /// back), with z clamped to [5, thickness - 5] um as PixelAV does near the electrodes.
    public static func map(npz path: String, thickness: Double) throws -> ElectricField {
        let arrays = try NumPyArchive.load(path: path)
        guard let ez = arrays["Ez"], let zs = arrays["z_um"], ez.shape.count == 3 else {
            throw InvalidMap(description: "\(path): a field map needs Ez (x, y, z) and z_um")
        }
        let z = try zs.float64(), e = try ez.float64()
        guard ez.shape[2] == z.count, z.count > 2, abs(z.last! - thickness) <= 1e-6 * thickness else {
            throw InvalidMap(description: "\(path): z_um must span the sensor's \(thickness) um and match Ez's last axis")
        }
        let line = (0..<z.count).map { abs(e[$0]) }  // x = y = 0: the first row of the last axis
        let n = 401
        let samples = (0..<n).map { i -> Double in
            let zi = min(max(thickness * Double(i) / Double(n - 1), 5), thickness - 5)
            let j = min(z.lastIndex { $0 <= zi } ?? 0, z.count - 2)
            let f = (zi - z[j]) / (z[j + 1] - z[j])
            return line[j] * (1 - f) + line[j + 1] * f
        }
        return ElectricField(samples: samples, thickness: thickness)
    }
}
