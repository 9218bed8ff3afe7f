import ReadoutProtocol

/// Deterministic synthetic frames for exercising the transport and the protocol when no
/// physics is wanted: each pixel's code is a hash of (seed, record, pixel). It is labelled
/// as a test pattern everywhere it appears; it is not a sensor simulation.
public struct TestPatternSource: Sendable {
    public var shape: FrameShape
    public var codeFormat: CodeFormat
    public var includeCharge: Bool
    public var includeTruth: Bool
    public var seed: UInt64
    public private(set) var nextRecord: UInt64 = 0

    public init(
        shape: FrameShape = .smartPixels, codeFormat: CodeFormat = CodeFormat(bits: 2, signed: false), includeCharge: Bool = false, includeTruth: Bool = false,
        seed: UInt64 = 1
    ) {
        self.shape = shape
        self.codeFormat = codeFormat
        self.includeCharge = includeCharge
        self.includeTruth = includeTruth
        self.seed = seed
    }

    /// The code of `pixel` in record `record`: also what a consumer can check against.
    public static func code(seed: UInt64, record: UInt64, pixel: Int, format: CodeFormat) -> Int {
        var z = seed &+ record &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(pixel) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 31)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 29
        return format.range.lowerBound + Int(z % UInt64(format.range.count))
    }

    /// The next `records` records, one per bunch crossing starting at `firstBunchCrossing`.
    public mutating func batch(records: Int, firstBunchCrossing: UInt64) -> FrameBatch {
        var b = FrameBatch(shape: shape, codeFormat: codeFormat, charge: includeCharge, truth: includeTruth)
        var codes = [Int16](repeating: 0, count: shape.pixels)
        var charge = [Float](repeating: 0, count: includeCharge ? shape.pixels : 0)
        for i in 0..<records {
            let r = nextRecord
            for p in 0..<shape.pixels {
                codes[p] = Int16(Self.code(seed: seed, record: r, pixel: p, format: codeFormat))
                if includeCharge { charge[p] = Float(codes[p]) * 400 }
            }
            let truth: [Float] = includeTruth ? (0..<TruthLabel.count).map { Float(r) + Float($0) / 100 } : []
            b.append(
                bunchCrossing: firstBunchCrossing + UInt64(i), timestamp: r, yLocal: Float(r % 100) * 0.1, xLocal: 0,
                codes: codes, charge: charge, truth: truth)
            nextRecord += 1
        }
        return b
    }
}
