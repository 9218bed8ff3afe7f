import ReadoutProtocol

/// A Keras/QKeras weights file of the seed architecture, as arrays in model order (what
/// `clients/python/smartpix/keras_weights.py` dumps from the HDF5 file).
public struct KerasWeights: Sendable, Decodable {
    public struct Array: Sendable, Decodable {
        public var layer: String
        public var name: String
        public var shape: [Int]
        public var values: [Double]
    }

    public var layerNames: [String]
    public var weights: [Array]

    enum CodingKeys: String, CodingKey { case layerNames = "layer_names", weights }
}

/// Builds a model from Keras float weights: layers are matched by their position in the model
/// and the shapes of their arrays (names differ between checkpoints: q_dense, q_dense_3, ...),
/// and every weight is quantized as QKeras does at each call (the layer's quantizer, clipping
/// what lies outside its range).
public enum KerasImport {
    public struct Report: Sendable {
        public var model: QuantizedModel
        /// Weights outside their quantizer's range (clipped, as QKeras clips them).
        public var clipped: Int
        /// Weights whose code is 0.
        public var zeroCodes: Int
        public var totalWeights: Int
        /// Which file layer went where.
        public var mapping: [String]
    }

    public static func model(from file: KerasWeights, slices: Int, name: String, inputEncoding: InputEncoding?) throws(ModelError) -> Report {
        // Weight-carrying layers in model order.
        var layers: [(name: String, arrays: [KerasWeights.Array])] = []
        for l in file.layerNames {
            let arrays = file.weights.filter { $0.layer == l }
            if !arrays.isEmpty { layers.append((l, arrays)) }
        }
        guard layers.count == 5 else {
            throw ModelError(
                "the file has \(layers.count) layers with weights (\(layers.map(\.name).joined(separator: ", "))); the seed architecture has 5: separable conv, 1x1 conv, three dense"
            )
        }
        for a in file.weights where a.values.count != a.shape.reduce(1, *) {
            throw ModelError("\(a.name): \(a.values.count) values for shape \(a.shape)")
        }
        func pick(_ layer: (name: String, arrays: [KerasWeights.Array]), _ what: String, _ match: ([Int]) -> Bool) throws(ModelError) -> KerasWeights.Array {
            let found = layer.arrays.filter { match($0.shape) }
            guard found.count == 1 else {
                throw ModelError(
                    "layer \(layer.name) (\(layer.arrays.map { "\($0.shape)" }.joined(separator: ", "))): expected one \(what), found \(found.count)")
            }
            return found[0]
        }
        let sep = layers[0]
        let depthwise = try pick(sep, "depthwise kernel (k, k, slices, 1)") { $0.count == 4 && $0[0] == $0[1] && $0[0] > 1 && $0[3] == 1 }
        guard depthwise.shape[2] == slices else {
            throw ModelError("the file's depthwise kernel takes \(depthwise.shape[2]) input slices; --slices says \(slices)")
        }
        let pointwise = try pick(sep, "pointwise kernel (1, 1, slices, filters)") { $0.count == 4 && $0[0] == 1 && $0[1] == 1 }
        let filters = pointwise.shape[3]
        guard pointwise.shape[2] == slices else { throw ModelError("\(pointwise.name): shape \(pointwise.shape), expected (1, 1, \(slices), filters)") }
        let sepBias = try pick(sep, "separable bias (filters)") { $0 == [filters] }
        let conv = layers[1]
        let convKernel = try pick(conv, "1x1 kernel (1, 1, \(filters), \(filters))") { $0 == [1, 1, filters, filters] }
        let convBias = try pick(conv, "conv bias (\(filters))") { $0 == [filters] }
        var architecture = ModelArchitecture.smartPixels(slices: slices, filters: filters)
        architecture.kernel = depthwise.shape[0]
        var denseArrays: [(KerasWeights.Array, KerasWeights.Array)] = []
        var inputs = architecture.flattened
        for (i, layer) in layers[2...].enumerated() {
            let kernel = try pick(layer, "dense kernel (inputs, outputs)") { $0.count == 2 }
            guard kernel.shape[0] == inputs else {
                throw ModelError("layer \(layer.name): kernel \(kernel.shape), but dense layer \(i + 1) receives \(inputs) inputs")
            }
            let bias = try pick(layer, "dense bias (\(kernel.shape[1]))") { $0 == [kernel.shape[1]] }
            denseArrays.append((kernel, bias))
            inputs = kernel.shape[1]
        }
        architecture.hidden = denseArrays.dropLast().map { $0.0.shape[1] }
        architecture.outputs = denseArrays.last!.0.shape[1]
        try ModelArchitecture.checkDimensions(architecture)

        let t = architecture.types
        var clipped = 0, zeros = 0, total = 0
        func codes(_ a: KerasWeights.Array, _ q: Quantizer) -> [Int32] {
            a.values.map { w in
                let c = q.code(w)
                if !q.codeRange.contains(Int((w / q.scale).rounded(.toNearestOrEven))) { clipped += 1 }
                if c == 0 { zeros += 1 }
                total += 1
                return Int32(c)
            }
        }
        let model = QuantizedModel(
            name: name, architecture: architecture,
            depthwise: codes(depthwise, t.depthwise), pointwise: codes(pointwise, t.pointwise), separableBias: codes(sepBias, t.separableBias),
            convKernel: codes(convKernel, t.convKernel), convBias: codes(convBias, t.convBias),
            dense: denseArrays.map { k, b in
                QuantizedModel.Dense(inputs: k.shape[0], outputs: k.shape[1], kernel: codes(k, t.denseKernel), bias: codes(b, t.denseBias))
            },
            inputEncoding: inputEncoding)
        try model.validate()
        let mapping =
            [
                "\(sep.name) -> separable conv (\(depthwise.shape), \(pointwise.shape))", "\(conv.name) -> 1x1 conv \(convKernel.shape)",
            ] + zip(layers[2...], denseArrays).map { "\($0.0.name) -> dense \($0.1.0.shape)" }
        return Report(model: model, clipped: clipped, zeroCodes: zeros, totalWeights: total, mapping: mapping)
    }
}
