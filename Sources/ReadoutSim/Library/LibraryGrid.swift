/// The grid a cluster library is simulated on: track angles, intra-pixel hit positions and
/// independent draws per point.
public struct LibraryGrid: Sendable, Equatable {
    /// cotAlpha from -cotAlphaMax to +cotAlphaMax in steps (default covers |eta| <= 2.5).
    public var cotAlphaMax = 6.2
    public var cotAlphaStep = 0.2
    /// cotBeta from -cotBetaMax to +cotBetaMax (default covers the barrel layer down to
    /// pT = 0.1 GeV at the module edge).
    public var cotBetaMax = 0.5
    public var cotBetaStep = 0.05
    /// Hit positions per pixel along x and y (at the centres of equal sub-cells).
    public var subX = 4
    public var subY = 8
    /// Independent simulations per grid point.
    public var variants = 1
    /// Momentum the library is simulated at (GeV); draws for other momenta scale the charge
    /// by the ratio of their most probable losses (`CollisionSpectrum.mostProbableLoss`).
    public var momentum = 10.0

    public init() {}

    public var cotAlphaCount: Int { Int((2 * cotAlphaMax / cotAlphaStep).rounded()) + 1 }
    public var cotBetaCount: Int { Int((2 * cotBetaMax / cotBetaStep).rounded()) + 1 }
    public var entries: Int { cotAlphaCount * cotBetaCount * subX * subY * variants }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public func validate() throws(Invalid) {
        guard cotAlphaMax >= 0, cotBetaMax >= 0, cotAlphaStep > 0, cotBetaStep > 0, cotAlphaMax <= 20, cotBetaMax <= 20 else {
            throw Invalid(description: "library angle ranges must be 0 to 20 with positive steps")
        }
        guard (1...64).contains(subX), (1...64).contains(subY), (1...1000).contains(variants) else {
            throw Invalid(description: "library sub-positions must be 1 to 64 per axis and variants 1 to 1000")
        }
        guard entries <= 20_000_000 else { throw Invalid(description: "library grid has \(entries) entries; at most 20,000,000") }
        guard momentum > 0 else { throw Invalid(description: "library momentum must be positive") }
    }

    @inline(__always)
    func index(_ value: Double, max: Double, step: Double, count: Int) -> Int {
        Swift.min(Swift.max(Int((value + max) / step + 0.5), 0), count - 1)
    }
}
