/// A planar pixel sensor: pitch, thickness and bias, as in the Smart Pixels datasets.
/// x is along the beam (columns), y the bending and Lorentz-drift direction (rows), z depth.
public struct SensorGeometry: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    /// Pixel pitch along x (beam direction), micrometres.
    public var pitchX: Double
    /// Pixel pitch along y (bending direction), micrometres.
    public var pitchY: Double
    /// Sensor thickness, micrometres.
    public var thickness: Double
    /// Bias voltage magnitude, volts (the sensors are biased at -V on the collecting side).
    public var bias: Double
    /// 1-7 for the seed's types, 0 for a custom geometry (the wire header's geometry id).
    public var typeID: UInt8

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case unknownName(String)
        case nonPositive(field: String, value: Double)

        public var description: String {
            switch self {
            case .unknownName(let n): "unknown geometry '\(n)': use type1 ... type7 (see ../shared/seed/types.txt) or a custom pitch/thickness/bias"
            case let .nonPositive(field, value): "geometry \(field) must be positive, got \(value)"
            }
        }
    }

    /// A custom geometry; every dimension must be positive.
    public init(name: String = "custom", pitchX: Double, pitchY: Double, thickness: Double, bias: Double, typeID: UInt8 = 0) throws(Invalid) {
        for (field, v) in [("pitch x (um)", pitchX), ("pitch y (um)", pitchY), ("thickness (um)", thickness), ("bias (V)", bias)] {
            guard v > 0, v.isFinite else { throw .nonPositive(field: field, value: v) }
        }
        self.name = name
        self.pitchX = pitchX
        self.pitchY = pitchY
        self.thickness = thickness
        self.bias = bias
        self.typeID = typeID
    }

    /// The seven sensor types of the Smart Pixels datasets (types.txt), by number.
    public static let seedTypes: [SensorGeometry] = [
        (50, 10, 100, 100), (50, 12.5, 100, 100), (50, 15, 100, 100), (50, 20, 100, 100),
        (50, 25, 100, 100), (100, 25, 100, 100), (100, 25, 150, 175),
    ].enumerated().map { i, g in
        try! SensorGeometry(name: "type\(i + 1)", pitchX: g.0, pitchY: g.1, thickness: g.2, bias: g.3, typeID: UInt8(i + 1))
    }

    /// The Smart Pixels default: type 2, 50 x 12.5 x 100 um at 100 V.
    public static let smartPixelsDefault = seedTypes[1]

    /// A seed type by name: `type2`, `2` or `Type2`.
    public static func named(_ name: String) throws(Invalid) -> SensorGeometry {
        let key = name.lowercased()
        let number = key.hasPrefix("type") ? String(key.dropFirst(4)) : key
        guard let n = Int(number), (1...seedTypes.count).contains(n) else { throw .unknownName(name) }
        return seedTypes[n - 1]
    }

    public var description: String {
        "\(name): \(pitchX.formatted) x \(pitchY.formatted) x \(thickness.formatted) um at \(bias.formatted) V"
    }
}

extension Double {
    /// Drops a zero fraction: 50.0 -> "50", 12.5 -> "12.5".
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
