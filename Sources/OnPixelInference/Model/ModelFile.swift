import Foundation
import ReadoutProtocol

/// The model file: one JSON document (docs/model-format.md) holding the architecture, every
/// layer's numeric type, the integer weight codes with their scales, and the input-encoding
/// constants. Loading validates everything and names what is wrong.
public enum ModelFile {
    public static let format = "smartpix-model"
    public static let version = 1

    struct QuantizerDoc: Codable, Equatable {
        var kind: String  // "quantized_bits" or "quantized_tanh"
        var bits: Int
        var integer: Int?
        var symmetric: Bool
        var keepNegative: Bool?

        enum CodingKeys: String, CodingKey { case kind, bits, integer, symmetric, keepNegative = "keep_negative" }
    }

    struct TensorDoc: Codable {
        var shape: [Int]
        var scale: Double
        var codes: [Int32]
    }

    struct ArchitectureDoc: Codable {
        var rows, columns, slices, filters, kernel, pool: Int
        var hidden: [Int]
        var outputs: Int
    }

    struct Document: Codable {
        var format: String
        var version: Int
        var name: String
        var architecture: ArchitectureDoc
        var types: [String: QuantizerDoc]
        var tensors: [String: TensorDoc]
        var inputEncoding: InputEncoding?
        var flashInput: FlashInput?
        var labelScales: [Double]

        enum CodingKeys: String, CodingKey {
            case format, version, name, architecture, types, tensors, inputEncoding = "input_encoding", flashInput = "flash_input", labelScales = "label_scales"
        }
    }

    static var typeKeys: [(String, WritableKeyPath<ModelArchitecture.LayerTypes, Quantizer>)] {
        [
            ("input", \.input), ("depthwise", \.depthwise), ("pointwise", \.pointwise), ("separable_bias", \.separableBias),
            ("separable_activation", \.separableActivation), ("conv_kernel", \.convKernel), ("conv_bias", \.convBias),
            ("conv_activation", \.convActivation), ("pool_activation", \.poolActivation), ("dense_kernel", \.denseKernel),
            ("dense_bias", \.denseBias), ("dense_activation", \.denseActivation),
        ]
    }

    static func doc(_ q: Quantizer) -> QuantizerDoc {
        switch q {
        case .bits(let b): QuantizerDoc(kind: "quantized_bits", bits: b.bits, integer: b.integer, symmetric: b.symmetric, keepNegative: b.keepNegative)
        case .tanh(let t): QuantizerDoc(kind: "quantized_tanh", bits: t.bits, integer: nil, symmetric: t.symmetric, keepNegative: nil)
        }
    }

    static func quantizer(_ d: QuantizerDoc, _ name: String) throws(ModelError) -> Quantizer {
        switch d.kind {
        case "quantized_bits":
            guard (1...16).contains(d.bits) else { throw ModelError("types.\(name): bit width \(d.bits) outside 1...16") }
            let integer = d.integer ?? 0
            guard (-8...8).contains(integer), integer < d.bits else { throw ModelError("types.\(name): integer bits \(integer) invalid for \(d.bits) bits") }
            return .bits(QuantizedBits(bits: d.bits, integer: integer, symmetric: d.symmetric, keepNegative: d.keepNegative ?? true))
        case "quantized_tanh":
            guard (2...16).contains(d.bits) else { throw ModelError("types.\(name): bit width \(d.bits) outside 2...16") }
            return .tanh(QuantizedTanh(bits: d.bits, symmetric: d.symmetric))
        default:
            throw ModelError("types.\(name): kind '\(d.kind)' is not quantized_bits or quantized_tanh")
        }
    }

    /// The JSON text of a model.
    public static func encode(_ m: QuantizedModel) throws -> Data {
        let a = m.architecture, t = a.types
        func tensor(_ shape: [Int], _ codes: [Int32], _ q: Quantizer) -> TensorDoc { TensorDoc(shape: shape, scale: q.scale, codes: codes) }
        var tensors: [String: TensorDoc] = [
            "depthwise_kernel": tensor([a.kernel, a.kernel, a.slices, 1], m.depthwise, t.depthwise),
            "pointwise_kernel": tensor([1, 1, a.slices, a.filters], m.pointwise, t.pointwise),
            "separable_bias": tensor([a.filters], m.separableBias, t.separableBias),
            "conv_kernel": tensor([1, 1, a.filters, a.filters], m.convKernel, t.convKernel),
            "conv_bias": tensor([a.filters], m.convBias, t.convBias),
        ]
        for (i, d) in m.dense.enumerated() {
            tensors["dense_\(i)_kernel"] = tensor([d.inputs, d.outputs], d.kernel, t.denseKernel)
            tensors["dense_\(i)_bias"] = tensor([d.outputs], d.bias, t.denseBias)
        }
        let document = Document(
            format: format, version: version, name: m.name,
            architecture: ArchitectureDoc(
                rows: a.rows, columns: a.columns, slices: a.slices, filters: a.filters, kernel: a.kernel, pool: a.pool, hidden: a.hidden, outputs: a.outputs),
            types: Dictionary(uniqueKeysWithValues: typeKeys.map { ($0.0, doc(t[keyPath: $0.1])) }),
            tensors: tensors, inputEncoding: m.inputEncoding, flashInput: m.flashInput, labelScales: m.labelScales)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(document)
    }

    /// Parses and validates a model file's bytes.
    public static func decode(_ data: Data) throws(ModelError) -> QuantizedModel {
        let d: Document
        do {
            d = try JSONDecoder().decode(Document.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ModelError("missing field '\((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ModelError("wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelError(
                "not valid JSON (or a bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'): \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
            )
        } catch {
            throw ModelError("cannot read: \(error)")
        }
        guard d.format == format else { throw ModelError("format '\(d.format)' is not '\(format)'") }
        guard d.version == version else { throw ModelError("model file version \(d.version) is not supported (this reader reads \(version))") }
        var types = ModelArchitecture.LayerTypes()
        for (key, path) in typeKeys {
            guard let q = d.types[key] else { throw ModelError("missing types.\(key)") }
            types[keyPath: path] = try quantizer(q, key)
        }
        let ad = d.architecture
        let a = ModelArchitecture(
            rows: ad.rows, columns: ad.columns, slices: ad.slices, filters: ad.filters, kernel: ad.kernel, pool: ad.pool, hidden: ad.hidden,
            outputs: ad.outputs, types: types)
        func tensor(_ name: String, shape: [Int], _ q: Quantizer) throws(ModelError) -> [Int32] {
            guard let t = d.tensors[name] else { throw ModelError("missing tensors.\(name)") }
            guard t.shape == shape else { throw ModelError("tensors.\(name): shape \(t.shape), the architecture needs \(shape)") }
            guard t.scale == q.scale else { throw ModelError("tensors.\(name): scale \(t.scale) disagrees with \(q) (\(q.scale))") }
            return t.codes
        }
        // Shapes must be sane before anything is allocated from them.
        try ModelArchitecture.checkDimensions(a)
        let dense = try a.denseShapes.enumerated().map { (i, s) throws(ModelError) in
            QuantizedModel.Dense(
                inputs: s.inputs, outputs: s.outputs,
                kernel: try tensor("dense_\(i)_kernel", shape: [s.inputs, s.outputs], types.denseKernel),
                bias: try tensor("dense_\(i)_bias", shape: [s.outputs], types.denseBias))
        }
        let extra = Set(d.tensors.keys).subtracting(
            ["depthwise_kernel", "pointwise_kernel", "separable_bias", "conv_kernel", "conv_bias"]
                + (0..<dense.count).flatMap { ["dense_\($0)_kernel", "dense_\($0)_bias"] })
        guard extra.isEmpty else { throw ModelError("tensors \(extra.sorted()) do not belong to this architecture") }
        var model = QuantizedModel(
            name: d.name, architecture: a,
            depthwise: try tensor("depthwise_kernel", shape: [a.kernel, a.kernel, a.slices, 1], types.depthwise),
            pointwise: try tensor("pointwise_kernel", shape: [1, 1, a.slices, a.filters], types.pointwise),
            separableBias: try tensor("separable_bias", shape: [a.filters], types.separableBias),
            convKernel: try tensor("conv_kernel", shape: [1, 1, a.filters, a.filters], types.convKernel),
            convBias: try tensor("conv_bias", shape: [a.filters], types.convBias),
            dense: dense, inputEncoding: d.inputEncoding, labelScales: d.labelScales)
        if let f = d.flashInput {
            if let problem = f.problem { throw ModelError("flash_input: \(problem)") }
            model.flashInput = f
        }
        try model.validate()
        return model
    }

    public static func load(path: String) throws(ModelError) -> QuantizedModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read the file") }
        do { return try decode(data) } catch { throw ModelError("\(path): \(error.description)") }
    }

    public static func save(_ model: QuantizedModel, path: String) throws {
        try WholeFile.write(encode(model), to: path)
    }
}

extension ModelArchitecture {
    /// Bounds on the dimensions, checked before any tensor is read.
    static func checkDimensions(_ a: ModelArchitecture) throws(ModelError) {
        for (name, v) in [
            ("rows", a.rows), ("columns", a.columns), ("slices", a.slices), ("filters", a.filters), ("kernel", a.kernel), ("pool", a.pool),
            ("outputs", a.outputs),
        ] {
            guard (1...255).contains(v) else { throw ModelError("architecture: \(name) is \(v), must be 1...255") }
        }
        guard a.rows >= a.kernel, a.columns >= a.kernel, a.convRows >= a.pool, a.convColumns >= a.pool else {
            throw ModelError("architecture: a \(a.kernel)x\(a.kernel) kernel and \(a.pool)x\(a.pool) pool do not fit \(a.rows)x\(a.columns)")
        }
        guard a.hidden.count <= 16, a.hidden.allSatisfy({ (1...4096).contains($0) }) else {
            throw ModelError("architecture: hidden widths \(a.hidden) must be at most 16 layers of 1...4096")
        }
    }
}
