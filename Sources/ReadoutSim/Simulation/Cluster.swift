import ReadoutProtocol

/// One simulated cluster: the induced charge per slice (electrons, slice-major, then row, then
/// column) and its truth labels in `TruthLabel` order.
public struct Cluster: Sendable {
    public var charge: [Float]
    public var truth: [Float]

    public init(charge: [Float], truth: [Float]) {
        self.charge = charge
        self.truth = truth
    }

    public func truth(_ label: TruthLabel) -> Float { truth[label.rawValue] }
}
