import ReadoutProtocol

/// A network with its weights as integer codes of their layer's quantizer (a weight's value
/// is code * 2^-fractionBits). Layouts follow Keras: depthwise [i][j][c], pointwise [c][f],
/// 1x1 conv [cin][cout], dense [in][out].
public struct QuantizedModel: Sendable, Equatable {
    public struct Dense: Sendable, Equatable {
        public var inputs: Int
        public var outputs: Int
        /// `inputs * outputs` codes, row-major [in][out].
        public var kernel: [Int32]
        public var bias: [Int32]

        public init(inputs: Int, outputs: Int, kernel: [Int32], bias: [Int32]) {
            self.inputs = inputs
            self.outputs = outputs
            self.kernel = kernel
            self.bias = bias
        }
    }

    public var name: String
    public var architecture: ModelArchitecture
    public var depthwise: [Int32]
    public var pointwise: [Int32]
    public var separableBias: [Int32]
    public var convKernel: [Int32]
    public var convBias: [Int32]
    public var dense: [Dense]
    /// How charge becomes an input code; nil when the front end already sends the codes.
    public var inputEncoding: InputEncoding?
    /// Set when the network takes 2-bit flash-ADC codes instead of the 4-bit network code.
    public var flashInput: FlashInput?
    /// Label scaling of the outputs' means: x/75 um, y/18.75 um, cotAlpha/8, cotBeta/0.5.
    public var labelScales: [Double]

    public init(
        name: String, architecture: ModelArchitecture, depthwise: [Int32], pointwise: [Int32], separableBias: [Int32], convKernel: [Int32], convBias: [Int32],
        dense: [Dense], inputEncoding: InputEncoding?, labelScales: [Double] = [75, 18.75, 8, 0.5]
    ) {
        self.name = name
        self.architecture = architecture
        self.depthwise = depthwise
        self.pointwise = pointwise
        self.separableBias = separableBias
        self.convKernel = convKernel
        self.convBias = convBias
        self.dense = dense
        self.inputEncoding = inputEncoding
        self.labelScales = labelScales
    }

    /// A model with uniformly random codes over each quantizer's full range, for tests and
    /// benchmarks: it exercises every code, tie and clip the arithmetic can meet.
    public static func random(_ architecture: ModelArchitecture, using rng: inout some RandomNumberGenerator) -> QuantizedModel {
        let a = architecture, t = a.types
        func codes(_ n: Int, _ q: Quantizer) -> [Int32] { (0..<n).map { _ in Int32(Int.random(in: q.codeRange, using: &rng)) } }
        return QuantizedModel(
            name: "random", architecture: a,
            depthwise: codes(a.kernel * a.kernel * a.slices, t.depthwise), pointwise: codes(a.slices * a.filters, t.pointwise),
            separableBias: codes(a.filters, t.separableBias), convKernel: codes(a.filters * a.filters, t.convKernel), convBias: codes(a.filters, t.convBias),
            dense: a.denseShapes.map {
                Dense(inputs: $0.inputs, outputs: $0.outputs, kernel: codes($0.inputs * $0.outputs, t.denseKernel), bias: codes($0.outputs, t.denseBias))
            },
            inputEncoding: InputEncoding(mean: 9, std: 3.5))
    }
}

/// Why a model was refused.
public struct ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension QuantizedModel {
    /// Checks shapes, bit widths, code ranges and that the integer form is exact and fits
    /// 32-bit accumulators. Every model is validated before an engine runs it.
    public func validate() throws(ModelError) {
        let a = architecture, t = a.types
        try ModelArchitecture.checkDimensions(a)
        guard a.outputs == 14 else {
            throw ModelError("architecture: \(a.outputs) outputs; the mixture-density head has 14 (4 means, 10 scale-matrix entries)")
        }
        let named: [(String, Quantizer)] = [
            ("input", t.input), ("depthwise", t.depthwise), ("pointwise", t.pointwise), ("separable bias", t.separableBias),
            ("separable activation", t.separableActivation), ("conv kernel", t.convKernel), ("conv bias", t.convBias),
            ("conv activation", t.convActivation), ("pool activation", t.poolActivation), ("dense kernel", t.denseKernel),
            ("dense bias", t.denseBias), ("dense activation", t.denseActivation),
        ]
        for (name, q) in named {
            guard (1...16).contains(q.bitWidth) else { throw ModelError("\(name): bit width \(q.bitWidth) outside 1...16") }
            if case .bits(let b) = q, !(-8...8).contains(b.integer) { throw ModelError("\(name): \(b.integer) integer bits outside -8...8") }
        }
        func check(_ name: String, _ codes: [Int32], count: Int, _ q: Quantizer) throws(ModelError) {
            guard codes.count == count else { throw ModelError("\(name): \(codes.count) values, the architecture needs \(count)") }
            if let i = codes.firstIndex(where: { !q.codeRange.contains(Int($0)) }) {
                throw ModelError("\(name)[\(i)] = \(codes[i]) outside \(q)'s codes \(q.codeRange)")
            }
        }
        try check("depthwise kernel", depthwise, count: a.kernel * a.kernel * a.slices, t.depthwise)
        try check("pointwise kernel", pointwise, count: a.slices * a.filters, t.pointwise)
        try check("separable bias", separableBias, count: a.filters, t.separableBias)
        try check("conv kernel", convKernel, count: a.filters * a.filters, t.convKernel)
        try check("conv bias", convBias, count: a.filters, t.convBias)
        guard dense.count == a.denseShapes.count else { throw ModelError("dense: \(dense.count) layers, the architecture has \(a.denseShapes.count)") }
        for (i, (d, shape)) in zip(dense, a.denseShapes).enumerated() {
            guard d.inputs == shape.inputs, d.outputs == shape.outputs else {
                throw ModelError("dense \(i): \(d.inputs)x\(d.outputs), the architecture needs \(shape.inputs)x\(shape.outputs)")
            }
            try check("dense \(i) kernel", d.kernel, count: d.inputs * d.outputs, t.denseKernel)
            try check("dense \(i) bias", d.bias, count: d.outputs, t.denseBias)
        }
        guard labelScales.count == 4, labelScales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ModelError("label scales \(labelScales): need 4 positive numbers (x um, y um, cotAlpha, cotBeta)")
        }
        if let e = inputEncoding, !(e.std > 0 && e.std.isFinite && e.mean.isFinite && e.positiveDivisor > 0 && e.negativeDivisor > 0) {
            throw ModelError("input encoding: std, divisors must be positive and finite, got \(e)")
        }
        _ = try IntegerPlan(self)  // alignment and accumulator bounds
    }
}

extension QuantizedModel {
    /// Every weight tensor by name, with how many of its codes are 0 (what a chip need not
    /// store or multiply).
    public var codeTensors: [(name: String, zero: Int, total: Int)] {
        var tensors: [(String, [Int32])] = [
            ("depthwise_kernel", depthwise), ("pointwise_kernel", pointwise), ("separable_bias", separableBias), ("conv_kernel", convKernel),
            ("conv_bias", convBias),
        ]
        for (i, d) in dense.enumerated() { tensors += [("dense_\(i)_kernel", d.kernel), ("dense_\(i)_bias", d.bias)] }
        return tensors.map { ($0.0, $0.1.filter { $0 == 0 }.count, $0.1.count) }
    }
}
