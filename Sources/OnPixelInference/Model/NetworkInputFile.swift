import Foundation

/// Raw network-input tensors for cross-checks with other tools: float32 little-endian,
/// N x rows x columns x slices in Keras's NHWC order, every value already on the input
/// quantizer's grid. Outputs go back as N x 14 float32 little-endian.
public enum NetworkInputFile {
    /// Reads and checks the inputs, returning their integer codes.
    public static func codes(_ data: Data, architecture a: ModelArchitecture, path: String) throws(ModelError) -> [Int8] {
        let perEvent = a.inputCount * 4
        guard data.count % perEvent == 0 else {
            throw ModelError("\(path): \(data.count) bytes is not a whole number of \(a.rows)x\(a.columns)x\(a.slices) float32 events (\(perEvent) bytes each)")
        }
        let q = a.types.input, steps = pow2(q.fractionBits)
        var codes = [Int8](repeating: 0, count: data.count / 4)
        var bad: (Int, Float)?
        data.withUnsafeBytes { raw in
            for i in 0..<codes.count {
                let v = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                let code = Double(v) * steps
                guard code.isFinite, code == code.rounded(), q.codeRange.contains(Int(code)) else {
                    bad = (i, v)
                    return
                }
                codes[i] = Int8(code)
            }
        }
        if let (i, v) = bad {
            let e = i / a.inputCount, p = i % a.inputCount
            throw ModelError(
                "\(path): event \(e), row \(p / a.slices / a.columns), column \(p / a.slices % a.columns), slice \(p % a.slices): \(v) is not on the \(q) input grid"
            )
        }
        return codes
    }

    /// Float32 little-endian bytes of output values.
    public static func bytes(_ values: [Float]) -> Data {
        var d = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }
}
