/// A batch of clusters from the front end: per record its bunch crossing, generation time
/// and position on the module, and its pixels as packed codes and/or float charge, with
/// optional truth labels.
public struct FrameBatch: Equatable, Sendable {
    public var shape: FrameShape
    /// Present when the batch carries digitized codes.
    public var codeFormat: CodeFormat?
    /// Geometry id: 1-7 for the seed's sensor types, 0 for a custom geometry.
    public var geometryID: UInt8

    public var bunchCrossings: [UInt64] = []
    /// Nanoseconds since the run started at which each record was generated.
    public var timestamps: [UInt64] = []
    /// The region's position on the module, millimetres: y-local (bending direction) and x-local.
    public var yLocal: [Float] = []
    public var xLocal: [Float] = []
    /// `records * shape.pixels` codes in pixel order, or empty.
    public var codes: [Int16] = []
    /// The codes as packed on the wire (`codeFormat.bytesPerRecord(shape)` per record), when
    /// the batch was decoded keeping them: a stage that only forwards frames never unpacks
    /// them (`codes` is then empty), and one that forwards what it unpacked sends these
    /// bytes again instead of packing anew. Whoever changes `codes` clears these.
    public var packedCodes: [UInt8] = []
    /// `records * shape.pixels` induced charges in electrons, or empty.
    public var charge: [Float] = []
    /// `records * TruthLabel.count` labels, or empty.
    public var truth: [Float] = []

    /// Whether the records carry float charge and truth labels (their own parts on the wire).
    public let hasCharge: Bool
    public let hasTruth: Bool

    /// A batch carries codes (`codeFormat` set), charge, or both.
    public init(shape: FrameShape, codeFormat: CodeFormat?, charge: Bool = false, truth: Bool = false, geometryID: UInt8 = 0) {
        precondition(codeFormat != nil || charge, "a frames batch carries codes, charge or both")
        self.shape = shape
        self.codeFormat = codeFormat
        self.hasCharge = charge
        self.hasTruth = truth
        self.geometryID = geometryID
    }

    public var count: Int { bunchCrossings.count }

    /// Adds one record; `codes`, `charge` and `truth` must match what the batch carries.
    @inlinable
    public mutating func append(
        bunchCrossing: UInt64, timestamp: UInt64, yLocal y: Float, xLocal x: Float,
        codes c: some Collection<Int16> = [Int16](), charge q: some Collection<Float> = [Float](),
        truth t: some Collection<Float> = [Float]()
    ) {
        precondition(codeFormat == nil ? c.isEmpty : c.count == shape.pixels, "codes must have \(shape.pixels) values")
        precondition(q.count == (hasCharge ? shape.pixels : 0), "charge must have \(hasCharge ? shape.pixels : 0) values")
        precondition(t.count == (hasTruth ? TruthLabel.count : 0), "truth must have \(hasTruth ? TruthLabel.count : 0) values")
        bunchCrossings.append(bunchCrossing)
        timestamps.append(timestamp)
        yLocal.append(y)
        xLocal.append(x)
        codes.append(contentsOf: c)
        charge.append(contentsOf: q)
        truth.append(contentsOf: t)
    }

    /// The records at `indices`, in that order, with everything they carry (codes, packed
    /// codes or both, as this batch holds them).
    public func subset(_ indices: [Int]) -> FrameBatch {
        var out = FrameBatch(shape: shape, codeFormat: codeFormat, charge: hasCharge, truth: hasTruth, geometryID: geometryID)
        let t = TruthLabel.count, pixels = shape.pixels, packed = codeFormat?.bytesPerRecord(shape) ?? 0
        for i in indices {
            out.bunchCrossings.append(bunchCrossings[i])
            out.timestamps.append(timestamps[i])
            out.yLocal.append(yLocal[i])
            out.xLocal.append(xLocal[i])
            if !codes.isEmpty { out.codes.append(contentsOf: codes[(i * pixels)..<((i + 1) * pixels)]) }
            if !packedCodes.isEmpty { out.packedCodes.append(contentsOf: packedCodes[(i * packed)..<((i + 1) * packed)]) }
            if hasCharge { out.charge.append(contentsOf: charge(ofRecord: i)) }
            if hasTruth { out.truth.append(contentsOf: truth[(i * t)..<((i + 1) * t)]) }
        }
        return out
    }

    /// Bytes one record takes on the wire: its 32-byte record and the parts it carries.
    public var bytesPerRecord: Int {
        32 + (codeFormat?.bytesPerRecord(shape) ?? 0) + (hasCharge ? 4 * shape.pixels : 0) + (hasTruth ? 4 * TruthLabel.count : 0)
    }

    public func codes(ofRecord i: Int) -> ArraySlice<Int16> { codes[(i * shape.pixels)..<((i + 1) * shape.pixels)] }
    public func charge(ofRecord i: Int) -> ArraySlice<Float> { charge[(i * shape.pixels)..<((i + 1) * shape.pixels)] }
    public func truth(ofRecord i: Int, _ label: TruthLabel) -> Float { truth[i * TruthLabel.count + label.rawValue] }
}
