/// How a simulated observable compares with PixelAV's: the goal is 10 % (2 um for the
/// centroid shifts); where PixelAV's own statistical error on 50 clusters is larger than
/// that, agreement within two of its standard deviations is all the data can show.
public struct ReferenceComparison: Sendable, Encodable {
    public var name: String
    public var simulated: Double
    public var reference: Double
    public var referenceError: Double
    /// The allowed difference: max(10 % of |reference| or 2 um, 2 x reference error).
    public var tolerance: Double
    public var agrees: Bool { abs(simulated - reference) <= tolerance }

    enum CodingKeys: String, CodingKey { case name, simulated, reference, referenceError = "reference_error", tolerance, agrees }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(simulated, forKey: .simulated)
        try c.encode(reference, forKey: .reference)
        try c.encode(referenceError, forKey: .referenceError)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(agrees, forKey: .agrees)
    }

    public init(name: String, simulated: Double, reference: Double, referenceError: Double, absoluteGoal: Double? = nil) {
        self.name = name
        self.simulated = simulated
        self.reference = reference
        self.referenceError = referenceError
        tolerance = max(absoluteGoal ?? 0.1 * abs(reference), 2 * referenceError)
    }

    /// Every compared observable of one condition; charge fractions only for the slices
    /// before collection ends (where PixelAV's fraction is below 0.999).
    public static func compare(_ ours: ClusterObservables, _ ref: ClusterObservables, errors e: ValidationCondition.ReferenceErrors?) -> [ReferenceComparison] {
        func err(_ k: KeyPath<ValidationCondition.ReferenceErrors, Double>) -> Double { e?[keyPath: k] ?? 0 }
        var list = [
            ReferenceComparison(name: "charge_mpv", simulated: ours.chargeMPV, reference: ref.chargeMPV, referenceError: err(\.chargeMPV)),
            ReferenceComparison(name: "charge_median", simulated: ours.chargeMedian, reference: ref.chargeMedian, referenceError: err(\.chargeMedian)),
            ReferenceComparison(name: "x_size", simulated: ours.xSize, reference: ref.xSize, referenceError: err(\.xSize)),
            ReferenceComparison(name: "y_size", simulated: ours.ySize, reference: ref.ySize, referenceError: err(\.ySize)),
            ReferenceComparison(name: "y_shift_um", simulated: ours.yShift, reference: ref.yShift, referenceError: err(\.yShift), absoluteGoal: 2),
            ReferenceComparison(name: "x_shift_um", simulated: ours.xShift, reference: ref.xShift, referenceError: err(\.xShift), absoluteGoal: 2),
            ReferenceComparison(name: "min_neighbour", simulated: ours.minNeighbour, reference: ref.minNeighbour, referenceError: err(\.minNeighbour)),
        ]
        for k in ref.chargeFraction.indices where ref.chargeFraction[k] < 0.999 && k < ours.chargeFraction.count {
            list.append(
                ReferenceComparison(
                    name: "charge_fraction[\(k)]", simulated: ours.chargeFraction[k], reference: ref.chargeFraction[k],
                    referenceError: e?.chargeFraction[k] ?? 0))
        }
        return list
    }
}
