/// The Smart Pixels network's shape and numeric types, layer by layer (quantization.md):
/// separable 3x3 conv -> quantized tanh -> 1x1 conv -> quantized tanh -> average pool ->
/// quantized bits -> dense ... -> dense (outputs, no activation).
public struct ModelArchitecture: Sendable, Equatable {
    /// Input: rows (y) x columns (x) x slices, channels last as in Keras.
    public var rows: Int
    public var columns: Int
    public var slices: Int
    public var filters: Int
    /// Depthwise kernel size (square, valid padding).
    public var kernel: Int
    /// Average-pool size and stride (square, valid padding).
    public var pool: Int
    /// Hidden dense widths; the output layer follows them.
    public var hidden: [Int]
    public var outputs: Int

    public var types: LayerTypes

    /// Every numeric type of the network, explicit per layer (QKeras strings in quantization.md).
    public struct LayerTypes: Sendable, Equatable {
        /// The input grid: inputs must already be codes of this quantizer.
        public var input: Quantizer = .bits(QuantizedBits(bits: 4))
        public var depthwise: Quantizer = .bits(QuantizedBits(bits: 4, symmetric: true))
        public var pointwise: Quantizer = .bits(QuantizedBits(bits: 4, symmetric: true))
        public var separableBias: Quantizer = .bits(QuantizedBits(bits: 4))
        public var separableActivation: Quantizer = .tanh(QuantizedTanh(bits: 4))
        public var convKernel: Quantizer = .bits(QuantizedBits(bits: 4))
        public var convBias: Quantizer = .bits(QuantizedBits(bits: 4))
        public var convActivation: Quantizer = .tanh(QuantizedTanh(bits: 4))
        public var poolActivation: Quantizer = .bits(QuantizedBits(bits: 8))
        public var denseKernel: Quantizer = .bits(QuantizedBits(bits: 8))
        public var denseBias: Quantizer = .bits(QuantizedBits(bits: 8))
        public var denseActivation: Quantizer = .tanh(QuantizedTanh(bits: 8))

        public init() {}
    }

    /// The seed architecture: 13 x 21 x slices, 5 filters, pool 3, dense 16-16-14.
    public static func smartPixels(slices: Int, filters: Int = 5) -> ModelArchitecture {
        ModelArchitecture(rows: 13, columns: 21, slices: slices, filters: filters, kernel: 3, pool: 3, hidden: [16, 16], outputs: 14, types: LayerTypes())
    }

    public init(rows: Int, columns: Int, slices: Int, filters: Int, kernel: Int, pool: Int, hidden: [Int], outputs: Int, types: LayerTypes) {
        self.rows = rows
        self.columns = columns
        self.slices = slices
        self.filters = filters
        self.kernel = kernel
        self.pool = pool
        self.hidden = hidden
        self.outputs = outputs
        self.types = types
    }

    public var convRows: Int { rows - kernel + 1 }
    public var convColumns: Int { columns - kernel + 1 }
    public var poolRows: Int { convRows / pool }
    public var poolColumns: Int { convColumns / pool }
    /// Inputs of the first dense layer: the pooled map flattened row-major over (h, w, c).
    public var flattened: Int { poolRows * poolColumns * filters }
    public var inputCount: Int { rows * columns * slices }
    /// Widths of the dense layers' inputs and outputs, in order.
    public var denseShapes: [(inputs: Int, outputs: Int)] {
        let widths = [flattened] + hidden + [outputs]
        return (0..<(widths.count - 1)).map { (widths[$0], widths[$0 + 1]) }
    }

    /// Trainable parameters, as Keras counts them.
    public var parameterCount: Int {
        let separable = kernel * kernel * slices + slices * filters + filters
        let conv = filters * filters + filters
        return separable + conv + denseShapes.reduce(0) { $0 + $1.inputs * $1.outputs + $1.outputs }
    }

    /// Multiply-accumulates of one dense evaluation (no zero skipping).
    public var multiplyAccumulates: Int {
        let positions = convRows * convColumns
        return positions * (kernel * kernel * slices + slices * filters + filters * filters)
            + denseShapes.reduce(0) { $0 + $1.inputs * $1.outputs }
    }
}
