import ReadoutProtocol

/// Turns front-end frames into network inputs: picks the model's time slices, reorders the
/// pixels from the wire's slice-major order to Keras's NHWC, and takes either the front
/// end's signed input codes as they are or encodes float charge with the model's constants.
/// A flash-input model (`FlashInput`) takes the front end's 2-bit flash codes, or the charge
/// put through its thresholds, each code k as input code 2k.
public struct FrameInputMapper: Sendable {
    public let architecture: ModelArchitecture
    public let encoding: InputEncoding?
    public let flash: FlashInput?

    /// How one batch's records map to inputs.
    public struct Plan: Sendable, Equatable {
        /// Frame slice feeding each model channel.
        public let slices: [Int]
        public let useCodes: Bool
        /// Input code per wire code: 1, or `FlashInput.inputStep` for flash codes.
        public var codeStep: Int8 = 1
    }

    public init(model: QuantizedModel) {
        architecture = model.architecture
        encoding = model.inputEncoding
        flash = model.flashInput
    }

    /// The slices (0-19) the model's channels were trained on (`TimeSlices`).
    public var neededSlices: [Int] { TimeSlices.network(channels: architecture.slices) ?? Array(0..<architecture.slices) }

    /// Frame slice positions feeding the model's channels, for frames carrying the slices
    /// `carried` (from the run-start); the error names the missing slice.
    public func sliceSelection(carried: [Int]) -> Result<[Int], ModelError> {
        TimeSlices.positions(of: neededSlices, in: carried).mapError {
            ModelError("\($0.description), which the model needs (it takes \(neededSlices.map(String.init).joined(separator: ",")))")
        }
    }

    /// The slices a frame of `count` slices carries when no run-start says: the network's own
    /// (2 or 20, `TimeSlices`), or nil.
    public static func assumedSlices(count: Int) -> [Int]? { TimeSlices.network(channels: count) }

    /// Checks a batch against the model; the error text says why it cannot be evaluated.
    /// `carried`: the slices the stream's run-start says the frames hold; without one, the
    /// frames' slice count must be a network's (2 or 20) and is taken as that network's.
    public func plan(for b: FrameBatch, carried: [Int]? = nil) -> Result<Plan, ModelError> {
        let a = architecture
        guard b.shape.rows == a.rows, b.shape.columns == a.columns else {
            return .failure(ModelError("frames are \(b.shape.rows)x\(b.shape.columns) pixels, the model takes \(a.rows)x\(a.columns)"))
        }
        guard let carried = carried ?? Self.assumedSlices(count: b.shape.slices), carried.count == b.shape.slices else {
            return .failure(
                ModelError(
                    "frames have \(b.shape.slices) slices\(carried.map { " (the run-start says \($0.count))" } ?? " and no run-start says which"), the model takes \(a.slices)"
                ))
        }
        let slices: [Int]
        switch sliceSelection(carried: carried) {
        case .success(let p): slices = p
        case .failure(let e): return .failure(e)
        }
        if flash != nil {
            if let f = b.codeFormat, !f.signed, f.bits == 2 { return .success(Plan(slices: slices, useCodes: true, codeStep: FlashInput.inputStep)) }
            if b.hasCharge { return .success(Plan(slices: slices, useCodes: false)) }
            let what = b.codeFormat.map { "\($0) codes" } ?? "no codes"
            return .failure(ModelError("frames carry \(what)\(b.hasCharge ? " and charge" : ", no charge"): the model takes 2-bit flash-ADC codes, or charge"))
        }
        if let f = b.codeFormat, f.signed, case .bits(let q) = a.types.input, f.bits == q.bits {
            return .success(Plan(slices: slices, useCodes: true))
        }
        if b.hasCharge, encoding != nil { return .success(Plan(slices: slices, useCodes: false)) }
        let what = b.codeFormat.map { "\($0) codes" } ?? "no codes"
        return .failure(
            ModelError(
                "frames carry \(what)\(b.hasCharge ? " and charge" : ", no charge"): the model needs signed \(a.types.input.bitWidth)-bit input codes, or charge with input-encoding constants"
            ))
    }

    /// Writes record `i`'s network input (NHWC codes) into `out`.
    public func fill(_ b: FrameBatch, record i: Int, plan: Plan, into out: UnsafeMutableBufferPointer<Int8>) {
        let a = architecture, perSlice = a.rows * a.columns, C = a.slices
        precondition(out.count == a.inputCount, "input buffer of \(out.count), the model takes \(a.inputCount)")
        let base = i * b.shape.pixels
        if plan.useCodes {
            b.codes.withUnsafeBufferPointer { codes in
                let o = out.baseAddress!
                for (channel, k) in plan.slices.enumerated() {
                    precondition(base + (k + 1) * perSlice <= codes.count, "record \(i) slice \(k) beyond the batch's codes")
                    let src = codes.baseAddress! + base + k * perSlice
                    if plan.codeStep == 1 {
                        for p in 0..<perSlice { o[p &* C &+ channel] = Int8(truncatingIfNeeded: src[p]) }
                    } else {
                        for p in 0..<perSlice { o[p &* C &+ channel] = Int8(truncatingIfNeeded: src[p]) &* plan.codeStep }
                    }
                }
            }
        } else if let flash {
            b.charge.withUnsafeBufferPointer { charge in
                for (channel, k) in plan.slices.enumerated() {
                    let src = base + k * perSlice
                    for p in 0..<perSlice { out[p * C + channel] = flash.code(charge[src + p]) &* FlashInput.inputStep }
                }
            }
        } else {
            let e = encoding!, q = a.types.input
            b.charge.withUnsafeBufferPointer { charge in
                for (channel, k) in plan.slices.enumerated() {
                    let src = base + k * perSlice
                    for p in 0..<perSlice {
                        let v = charge[src + p]
                        out[p * C + channel] = v == 0 ? 0 : Int8(e.code(charge: Double(v), quantizer: q))
                    }
                }
            }
        }
    }
}
