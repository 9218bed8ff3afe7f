/// The 14 network outputs decoded (architecture.md): order
/// `[x, L11, y, L22, cotA, L33, cotB, L44, L21, L31, L32, L41, L42, L43]`, means in the
/// network's scaled units, L the lower-triangular scale matrix with its diagonal taken as
/// 1e-9 + max(raw, 0); covariance = L L^T.
public struct Prediction: Sendable, Equatable {
    /// Means in physical units: x (um), y (um), cotAlpha, cotBeta.
    public var mean: [Double]
    /// Lower-triangular L in physical units, row-major 4 x 4.
    public var scaleMatrix: [Double]
    /// Per quantity: row i of L is its 1e-9 floor and nothing else (raw diagonal <= 0, no
    /// off-diagonal term), so the predicted sigma is 1e-9 of the label scale and the pull
    /// undefined. The loss clips such clusters' density at 1e-9, so training leaves them there.
    public var sigmaAtFloor: [Bool]

    /// Names of the four quantities, in order.
    public static let quantities = ["x", "y", "cotAlpha", "cotBeta"]

    /// - Parameters:
    ///   - outputs: the 14 raw outputs (scaled units).
    ///   - labelScales: x/75 um, y/18.75 um, cotAlpha/8, cotBeta/0.5 by default.
    public init(outputs o: some Collection<Double>, labelScales s: [Double] = [75, 18.75, 8, 0.5]) {
        let v = Array(o)
        precondition(v.count == 14, "a prediction has 14 outputs, got \(v.count)")
        precondition(s.count == 4, "4 label scales")
        mean = [v[0] * s[0], v[2] * s[1], v[4] * s[2], v[6] * s[3]]
        let diagonal = [v[1], v[3], v[5], v[7]].map { 1e-9 + max($0, 0) }
        // Off-diagonal entries, row-major below the diagonal: L21, L31, L32, L41, L42, L43.
        var l = [Double](repeating: 0, count: 16)
        for i in 0..<4 { l[i * 4 + i] = diagonal[i] }
        sigmaAtFloor = [v[1] <= 0, v[3] <= 0 && v[8] == 0, v[5] <= 0 && v[9] == 0 && v[10] == 0, v[7] <= 0 && v[11] == 0 && v[12] == 0 && v[13] == 0]
        l[1 * 4 + 0] = v[8]
        l[2 * 4 + 0] = v[9]
        l[2 * 4 + 1] = v[10]
        l[3 * 4 + 0] = v[11]
        l[3 * 4 + 1] = v[12]
        l[3 * 4 + 2] = v[13]
        // Physical units: row i of L scales with quantity i (covariance scales as s_i s_j).
        for i in 0..<4 { for j in 0..<4 { l[i * 4 + j] *= s[i] } }
        scaleMatrix = l
    }

    /// Covariance L L^T, row-major 4 x 4, physical units.
    public var covariance: [Double] {
        var c = [Double](repeating: 0, count: 16)
        for i in 0..<4 {
            for j in 0..<4 {
                var sum = 0.0
                for k in 0...min(i, j) { sum += scaleMatrix[i * 4 + k] * scaleMatrix[j * 4 + k] }
                c[i * 4 + j] = sum
            }
        }
        return c
    }

    /// One-standard-deviation uncertainties of x (um), y (um), cotAlpha, cotBeta.
    public var sigmas: [Double] {
        let c = covariance
        return (0..<4).map { c[$0 * 4 + $0].squareRoot() }
    }

    /// Correlation coefficients, row-major 4 x 4 (1 on the diagonal).
    public var correlations: [Double] {
        let c = covariance, s = sigmas
        return (0..<16).map { c[$0] / (s[$0 / 4] * s[$0 % 4]) }
    }
}
