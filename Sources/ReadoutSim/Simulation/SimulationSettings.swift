import ReadoutProtocol

/// Everything that fixes the physics of a cluster simulation, with the Smart Pixels defaults.
public struct SimulationSettings: Sendable {
    public var sensor: Sensor = .smartPixels
    /// Pixel region: rows along y, columns along x.
    public var rows = 13
    public var columns = 21
    /// Slice times in nanoseconds after the crossing (default 20 slices of 200 ps: 0.2 ... 4.0).
    public var sliceTimes: [Double] = TimeSlicing.uniform(count: TimeSlices.simulated, width: TimeSlices.widthNs)
    /// Drift field: linear model unless a profile is given (e.g. from a TCAD map).
    public var field: ElectricField? = nil
    /// Weighting potential: the pad in a 5 x 5-pixel cell (`WeightingPotential.cell`) unless given.
    public var potential: WeightingPotential? = nil
    public var spectrum = CollisionSpectrum()

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Rows and columns odd (the array has a central pixel) and 3 ... 255; slice times valid.
    public func validate() throws(Invalid) {
        for (name, n) in [("rows", rows), ("columns", columns)] {
            guard (3...255).contains(n), n % 2 == 1 else {
                throw Invalid(description: "\(name) must be odd and 3 to 255 (the array has a central pixel), got \(n)")
            }
        }
        do { try TimeSlicing.validate(sliceTimes) } catch { throw Invalid(description: error.description) }
        if let p = potential {
            let g = sensor.geometry
            guard abs(p.pitchX - g.pitchX) < 1e-9, abs(p.pitchY - g.pitchY) < 1e-9, abs(p.thickness - g.thickness) < 1e-9 else {
                throw Invalid(description: "the weighting potential is for \(p.pitchX) x \(p.pitchY) x \(p.thickness) um, the sensor is \(g)")
            }
        }
        if let f = field, abs(f.thickness - sensor.geometry.thickness) > 1e-9 {
            throw Invalid(description: "the field profile spans \(f.thickness) um, the sensor is \(sensor.geometry.thickness) um thick")
        }
    }
}

public enum TimeSlicing {
    /// `count` slices of `width` ns: times width, 2 width, ..., count width.
    public static func uniform(count: Int, width: Double) -> [Double] {
        (1...max(count, 1)).map { Double($0) * width }
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Slice times must be positive and increasing; at most 255 (one header byte).
    public static func validate(_ times: [Double]) throws(Invalid) {
        guard !times.isEmpty, times.count <= 255 else { throw Invalid(description: "need 1 to 255 time slices, got \(times.count)") }
        for (i, t) in times.enumerated() {
            guard t > 0, t.isFinite else { throw Invalid(description: "slice \(i) time must be positive, got \(t) ns") }
            if i > 0, t <= times[i - 1] { throw Invalid(description: "slice times must increase: slice \(i) at \(t) ns follows \(times[i - 1]) ns") }
        }
    }
}
