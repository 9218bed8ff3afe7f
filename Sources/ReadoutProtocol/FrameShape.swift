/// The pixel region and time slicing of a frame: `rows` along y (bending direction),
/// `columns` along x (beam direction), `slices` time slices. Pixels are ordered slice-major,
/// then row, then column: index = (k * rows + r) * columns + c.
public struct FrameShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int
    public var slices: Int

    public static let smartPixels = FrameShape(rows: 13, columns: 21, slices: 20)

    public init(rows: Int, columns: Int, slices: Int) {
        self.rows = rows
        self.columns = columns
        self.slices = slices
    }

    public var pixelsPerSlice: Int { rows * columns }
    public var pixels: Int { rows * columns * slices }

    public var description: String { "\(rows)x\(columns)x\(slices)" }

    /// Each dimension is 1...255 (one header byte each).
    public var isEncodable: Bool { (1...255).contains(rows) && (1...255).contains(columns) && (1...255).contains(slices) }
}

/// How pixel values are coded in a frames message's code part.
public struct CodeFormat: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// 2, 4 or 8 bits per pixel.
    public var bits: Int
    /// Two's complement codes (the network's signed input code) instead of unsigned ADC counts.
    public var signed: Bool

    public static let allowedBits: Set<Int> = [2, 4, 8]

    public init(bits: Int, signed: Bool) {
        self.bits = bits
        self.signed = signed
    }

    public var range: ClosedRange<Int> {
        signed ? -(1 << (bits - 1))...((1 << (bits - 1)) - 1) : 0...((1 << bits) - 1)
    }

    /// Bytes one record's codes occupy (padded to a whole byte).
    public func bytesPerRecord(_ shape: FrameShape) -> Int { (shape.pixels * bits + 7) / 8 }

    public var description: String { "\(signed ? "signed" : "unsigned") \(bits)-bit" }
}
