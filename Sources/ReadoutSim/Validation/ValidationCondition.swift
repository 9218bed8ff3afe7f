import Foundation

/// One condition of a physics validation: track angles, geometry and cluster count, with the
/// PixelAV reference values where known (pixelav-grid.json).
public struct ValidationCondition: Sendable, Decodable {
    public var cotAlpha: Double
    public var cotBeta: Double
    public var geometry: String?
    public var count: Int?
    public var reference: ClusterObservables?
    public var errors: ReferenceErrors?

    /// PixelAV's bootstrap standard deviations.
    public struct ReferenceErrors: Sendable, Decodable {
        public var chargeMedian: Double, chargeMPV: Double, chargeFraction: [Double]
        public var xSize: Double, ySize: Double, yShift: Double, xShift: Double, minNeighbour: Double

        enum CodingKeys: String, CodingKey {
            case chargeMedian = "charge_median", chargeMPV = "charge_mpv", chargeFraction = "charge_fraction"
            case xSize = "x_size", ySize = "y_size", yShift = "y_shift_um", xShift = "x_shift_um", minNeighbour = "min_neighbour"
        }
    }

    enum CodingKeys: String, CodingKey {
        case cotAlpha = "cot_alpha", cotBeta = "cot_beta", geometry, count, errors, n
    }

    public init(cotAlpha: Double, cotBeta: Double, geometry: String? = nil, count: Int? = nil) {
        self.cotAlpha = cotAlpha
        self.cotBeta = cotBeta
        self.geometry = geometry
        self.count = count
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cotAlpha = try c.decode(Double.self, forKey: .cotAlpha)
        cotBeta = try c.decode(Double.self, forKey: .cotBeta)
        geometry = try c.decodeIfPresent(String.self, forKey: .geometry)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        errors = try c.decodeIfPresent(ReferenceErrors.self, forKey: .errors)
        // A reference is present when the observables are.
        reference = c.contains(.n) ? try ClusterObservables(from: decoder) : nil
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a conditions file: a JSON array of condition objects, or an object with a
    /// `conditions` array (the layout of pixelav-grid.json).
    public static func load(path: String) throws(Invalid) -> [ValidationCondition] {
        // Through a file handle, so that pipes (<(...)) work too.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() else {
            throw Invalid(description: "\(path): cannot read the conditions file")
        }
        struct Grid: Decodable { var conditions: [ValidationCondition] }
        let decoded: [ValidationCondition]
        do {
            if let grid = try? JSONDecoder().decode(Grid.self, from: data) {
                decoded = grid.conditions
            } else {
                decoded = try JSONDecoder().decode([ValidationCondition].self, from: data)
            }
        } catch {
            throw Invalid(description: "\(path): not a JSON array of objects with cot_alpha and cot_beta (\(Self.explain(error)))")
        }
        guard !decoded.isEmpty else { throw Invalid(description: "\(path): no conditions") }
        for (i, c) in decoded.enumerated() {
            guard c.cotAlpha.isFinite, c.cotBeta.isFinite, abs(c.cotAlpha) <= 20, abs(c.cotBeta) <= 20 else {
                throw Invalid(description: "\(path): condition \(i): cot_alpha and cot_beta must be finite and within +-20")
            }
            if let n = c.count, !(1...1_000_000).contains(n) { throw Invalid(description: "\(path): condition \(i): count must be 1 to 1000000, got \(n)") }
        }
        return decoded
    }

    static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx): "missing '\(key.stringValue)' at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            "\(ctx.debugDescription) at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let ctx): ctx.debugDescription
        default: "\(error)"
        }
    }
}
