import ReadoutProtocol

/// How PixelAV writes a cluster, for exports that smart-pixels-ml reads as it reads PixelAV's
/// own datasets (its data generator counts every non-zero value as a hit).
public enum PixelAVExport {
    /// Charge in whole electrons, rounded to nearest: induction below half an electron
    /// (most of a cluster's far neighbours) becomes 0, as in PixelAV's files. -0 is written 0.
    public static func wholeElectrons(_ charge: inout [Float]) {
        for i in charge.indices { charge[i] = charge[i].rounded() + 0 }
    }

    /// PixelAV's n_x, n_y, n_z columns hold the momentum components in GeV, not a unit
    /// direction: the truth labels' unit direction times the track's momentum.
    public static func momentumComponents(_ truth: inout [Float], momentum: Double) {
        for label in [TruthLabel.nX, .nY, .nZ] { truth[label.rawValue] = Float(Double(truth[label.rawValue]) * momentum) }
    }
}
