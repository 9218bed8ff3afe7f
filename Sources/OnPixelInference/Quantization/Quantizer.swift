/// A layer's quantizer: either kind, seen through what the integer engine needs (its codes
/// and the power of two they are scaled by).
public enum Quantizer: Sendable, Equatable, Hashable, CustomStringConvertible {
    case bits(QuantizedBits)
    case tanh(QuantizedTanh)

    /// value = code * 2^-fractionBits.
    public var fractionBits: Int {
        switch self {
        case .bits(let q): q.fractionBits
        case .tanh(let q): q.fractionBits
        }
    }

    public var codeRange: ClosedRange<Int> {
        switch self {
        case .bits(let q): q.codeRange
        case .tanh(let q): q.codeRange
        }
    }

    public var bitWidth: Int {
        switch self {
        case .bits(let q): q.bits
        case .tanh(let q): q.bits
        }
    }

    public func code(_ x: Double) -> Int {
        switch self {
        case .bits(let q): q.code(x)
        case .tanh(let q): q.code(x)
        }
    }

    public func callAsFunction(_ x: Double) -> Double { Double(code(x)) * scale }

    /// Value of one code step, 2^-fractionBits.
    public var scale: Double { pow2(-fractionBits) }

    public var description: String {
        switch self {
        case .bits(let q): q.description
        case .tanh(let q): q.description
        }
    }
}

/// 2^n, exact for the exponents a model uses.
func pow2(_ n: Int) -> Double { n >= 0 ? Double(1 << n) : 1 / Double(1 << -n) }
