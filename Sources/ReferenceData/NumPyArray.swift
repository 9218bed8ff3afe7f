import Foundation

/// One array of a NumPy `.npy` file: shape, element type and little-endian bytes, C order.
/// Enough of the format to read reference data (PixelAV clusters, TCAD maps) in tests and
/// validation; it refuses what it does not understand, saying what.
public struct NumPyArray: Sendable {
    public let shape: [Int]
    /// NumPy type string: `<i4`, `<f4`, `<f8`, `<i8`, `|u1`, `<U15`, ...
    public let descr: String
    public let bytes: Data

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public var count: Int { shape.reduce(1, *) }

    /// Parses a `.npy` file's bytes (format versions 1-3).
    public init(npy data: Data, name: String = "array") throws(Invalid) {
        let b = [UInt8](data.prefix(12))
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw Invalid(description: "\(name): not a .npy array (bad magic)") }
        let major = b[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else { throw Invalid(description: "\(name): truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default:
            throw Invalid(description: "\(name): .npy format version \(major) is not supported")
        }
        guard data.count >= start + headerLength else { throw Invalid(description: "\(name): truncated header") }
        let header = String(decoding: data[(data.startIndex + start)..<(data.startIndex + start + headerLength)], as: UTF8.self)
        guard let descr = Self.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "' ")) }) else {
            throw Invalid(description: "\(name): header has no descr: \(header)")
        }
        guard Self.field("fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) == "False" else {
            throw Invalid(description: "\(name): Fortran-ordered arrays are not supported")
        }
        guard let shapeText = header.range(of: "'shape':").map({ header[$0.upperBound...] }),
            let open = shapeText.firstIndex(of: "("), let close = shapeText.firstIndex(of: ")")
        else { throw Invalid(description: "\(name): header has no shape: \(header)") }
        let shape = shapeText[shapeText.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        self.shape = shape
        self.descr = descr
        bytes = data.suffix(from: data.startIndex + start + headerLength)
        guard let size = elementSize, bytes.count == count * size else {
            throw Invalid(description: "\(name): \(bytes.count) data bytes for shape \(shape) of \(descr)")
        }
    }

    private static func field(_ key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        let rest = header[r.upperBound...]
        return rest.split(separator: ",", maxSplits: 1).first.map(String.init)
    }

    /// Bytes per element, for the types this reader knows.
    var elementSize: Int? {
        switch descr {
        case "<i4", "<f4", "<u4": 4
        case "<i8", "<f8", "<u8": 8
        case "|u1", "|i1", "|b1": 1
        default: descr.hasPrefix("<U") ? Int(descr.dropFirst(2)).map { $0 * 4 } : nil
        }
    }

    private func values<T>(_ type: T.Type, _ expected: String) throws(Invalid) -> [T] {
        guard descr == expected else { throw Invalid(description: "array of \(descr), read as \(expected)") }
        return bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
    }

    public func int32() throws(Invalid) -> [Int32] { try values(Int32.self, "<i4") }
    public func int8() throws(Invalid) -> [Int8] { try values(Int8.self, "|i1") }
    public func float32() throws(Invalid) -> [Float] { try values(Float.self, "<f4") }
    public func float64() throws(Invalid) -> [Double] { try values(Double.self, "<f8") }

    /// A `<U` string array's elements.
    public func strings() throws(Invalid) -> [String] {
        guard descr.hasPrefix("<U"), let width = Int(descr.dropFirst(2)) else { throw Invalid(description: "array of \(descr), read as strings") }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                let scalars = (0..<width).map { raw.loadUnaligned(fromByteOffset: (i * width + $0) * 4, as: UInt32.self) }.prefix { $0 != 0 }
                return String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
            }
        }
    }
}

extension NumPyArray {
    /// A float32 array, for writing.
    public init(float32 values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        descr = "<f4"
        bytes = values.withUnsafeBytes { Data($0) }
    }

    /// An int8 array, for writing.
    public init(int8 values: [Int8], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        descr = "|i1"
        bytes = values.withUnsafeBytes { Data($0) }
    }

    /// The `.npy` (format 1.0) bytes of this array, readable with numpy.load.
    public var npy: Data {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad so that the data starts on a 64-byte boundary, header ending in a newline.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(bytes)
        return data
    }
}
