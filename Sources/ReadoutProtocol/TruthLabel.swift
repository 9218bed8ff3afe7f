/// The per-cluster truth labels, in wire order: the smart-pixels-ml label set and names.
/// Positions in micrometres (x-entry.. relative to the array centre; z from the sensor's
/// back side), directions as unit-vector components, y-local in millimetres, pt in GeV with
/// the charge sign.
public enum TruthLabel: Int, CaseIterable, Sendable {
    case xEntry, yEntry, zEntry, nX, nY, nZ, numberEHPairs, yLocal, pt, cotAlpha, cotBeta, yMidplane, xMidplane

    public static let count = allCases.count

    /// The column name smart-pixels-ml uses.
    public var name: String {
        switch self {
        case .xEntry: "x-entry"
        case .yEntry: "y-entry"
        case .zEntry: "z-entry"
        case .nX: "n_x"
        case .nY: "n_y"
        case .nZ: "n_z"
        case .numberEHPairs: "number_eh_pairs"
        case .yLocal: "y-local"
        case .pt: "pt"
        case .cotAlpha: "cotAlpha"
        case .cotBeta: "cotBeta"
        case .yMidplane: "y-midplane"
        case .xMidplane: "x-midplane"
        }
    }
}
