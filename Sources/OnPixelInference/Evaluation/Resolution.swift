import ReadoutProtocol

/// Residuals and pulls of predictions against truth, for x (um), y (um), cotAlpha and
/// cotBeta: residual = predicted mean - truth, pull = residual / predicted sigma (the square
/// root of the covariance's diagonal). A calibrated network has pull widths of 1. A pull
/// whose predicted sigma is at its floor (`Prediction.sigmaAtFloor`) is undefined: counted in
/// `undefinedPulls` and left out of the pull moments (one such cluster would set the width).
public struct Resolution: Sendable, Codable, Equatable {
    /// Standard deviation of the residuals, per quantity.
    public var residualSigma: [Double]
    public var residualMean: [Double]
    /// Standard deviation of the pulls, per quantity.
    public var pullSigma: [Double]
    public var pullMean: [Double]
    /// Per quantity, the clusters whose pull is undefined (sigma at its floor).
    public var undefinedPulls: [Int]
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case residualSigma = "residual_sigma", residualMean = "residual_mean", pullSigma = "pull_sigma", pullMean = "pull_mean", undefinedPulls =
            "undefined_pulls", count
    }

    /// Accumulates one quantity's moments (Welford): exact enough for millions of values.
    struct Moments {
        var n = 0.0, mean = 0.0, squares = 0.0
        mutating func add(_ x: Double) {
            n += 1
            let d = x - mean
            mean += d / n
            squares += d * (x - mean)
        }
        var sigma: Double { n > 1 ? (squares / (n - 1)).squareRoot() : .nan }
    }

    /// `truth[i]` holds x, y, cotAlpha, cotBeta of prediction i.
    public init(predictions: [Prediction], truth: [[Double]]) {
        precondition(predictions.count == truth.count, "one truth per prediction")
        var residuals = [Moments](repeating: Moments(), count: 4), pulls = residuals
        var undefined = [0, 0, 0, 0]
        for (p, t) in zip(predictions, truth) {
            let s = p.sigmas
            for q in 0..<4 {
                let r = p.mean[q] - t[q]
                residuals[q].add(r)
                if p.sigmaAtFloor[q] { undefined[q] += 1 } else { pulls[q].add(r / s[q]) }
            }
        }
        undefinedPulls = undefined
        residualSigma = residuals.map(\.sigma)
        residualMean = residuals.map(\.mean)
        pullSigma = pulls.map(\.sigma)
        pullMean = pulls.map(\.mean)
        count = predictions.count
    }
}

/// A model's resolution on a sample: overall, in bins of |cotBeta|, of |cotAlpha| (the
/// cluster's length along x, sinh(eta) on the barrel) and of pT, and the fraction of its
/// weights that are zero.
public struct ModelEvaluation: Sendable {
    public var overall: Resolution
    public var byCotBeta: [(range: ClosedRange<Double>, resolution: Resolution)]
    public var byCotAlpha: [(range: ClosedRange<Double>, resolution: Resolution)]
    public var byPt: [(range: ClosedRange<Double>, resolution: Resolution)]
    public var sparsity: Double
    public var layerSparsity: [(name: String, zero: Int, total: Int)]
    /// Every cluster's residual and defined pull, per quantity (x, y, cotAlpha, cotBeta), for plots.
    public var residuals: [[Double]]
    public var pulls: [[Double]]

    public static let cotBetaEdges = [0, 0.1, 0.2, 0.3, 0.5, 1, 10.0]
    public static let cotAlphaEdges = [0, 0.5, 1, 2, 4, 100.0]
    public static let ptEdges = [0, 0.2, 0.5, 1, 2, 5, 1e6]

    /// Evaluates `model` with the integer engine on `count` inputs (NHWC codes) with their
    /// truth labels (`TruthLabel` order, 13 per cluster).
    public static func run(_ model: QuantizedModel, inputs: [Int8], truth: [Float], count: Int, threads: Int = 2) throws -> ModelEvaluation {
        let engine = try IntegerEngine(model)
        let width = model.architecture.inputCount
        precondition(inputs.count == count * width && truth.count == count * TruthLabel.count, "inputs and truth do not fit \(count) clusters")
        let accumulators = engine.evaluateBatch(inputs, count: count, threads: threads)
        let scale = engine.outputScale
        var predictions: [Prediction] = [], targets: [[Double]] = [], cotBeta: [Double] = [], cotAlpha: [Double] = [], pt: [Double] = []
        predictions.reserveCapacity(count)
        for i in 0..<count {
            predictions.append(
                Prediction(outputs: accumulators[(i * 14)..<((i + 1) * 14)].map { Double($0) * scale }, labelScales: model.labelScales))
            let t = truth[(i * TruthLabel.count)..<((i + 1) * TruthLabel.count)].map(Double.init)
            targets.append([
                t[TruthLabel.xMidplane.rawValue], t[TruthLabel.yMidplane.rawValue], t[TruthLabel.cotAlpha.rawValue], t[TruthLabel.cotBeta.rawValue],
            ])
            cotBeta.append(abs(t[TruthLabel.cotBeta.rawValue]))
            cotAlpha.append(abs(t[TruthLabel.cotAlpha.rawValue]))
            pt.append(abs(t[TruthLabel.pt.rawValue]))
        }
        func binned(_ key: [Double], _ edges: [Double]) -> [(range: ClosedRange<Double>, resolution: Resolution)] {
            zip(edges, edges.dropFirst()).compactMap { lo, hi in
                let members = key.indices.filter { key[$0] >= lo && key[$0] < hi }
                guard members.count >= 20 else { return nil }
                return (lo...hi, Resolution(predictions: members.map { predictions[$0] }, truth: members.map { targets[$0] }))
            }
        }
        var residuals = [[Double]](repeating: [], count: 4), pulls = residuals
        for (p, t) in zip(predictions, targets) {
            let s = p.sigmas
            for q in 0..<4 {
                residuals[q].append(p.mean[q] - t[q])
                if !p.sigmaAtFloor[q] { pulls[q].append((p.mean[q] - t[q]) / s[q]) }
            }
        }
        let layers = model.codeTensors
        let zero = layers.reduce(0) { $0 + $1.zero }, total = layers.reduce(0) { $0 + $1.total }
        return ModelEvaluation(
            overall: Resolution(predictions: predictions, truth: targets), byCotBeta: binned(cotBeta, cotBetaEdges),
            byCotAlpha: binned(cotAlpha, cotAlphaEdges), byPt: binned(pt, ptEdges),
            sparsity: Double(zero) / Double(max(total, 1)), layerSparsity: layers, residuals: residuals, pulls: pulls)
    }
}
