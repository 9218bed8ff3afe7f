import ReadoutProtocol

/// How the front end turns a pixel's charge (electrons) into the code it sends.
public enum ADC: Sendable, Equatable {
    /// Flash ADC: the code is the number of thresholds (electrons, increasing) the charge
    /// reaches; 3 thresholds give a 2-bit code. Default [400, 1600, 2400] e.
    case flash(thresholds: [Double])
    /// Linear: code = floor(q / lsb) clipped to 0 ... 2^bits - 1 (2, 4 or 8 bits).
    case linear(bits: Int, lsb: Double)
    /// The network's signed 4-bit input code (quantization.md) with these constants.
    case networkInput(InputEncoding)

    public static let smartPixelsFlash = ADC.flash(thresholds: [400, 1600, 2400])

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public func validate() throws(Invalid) {
        switch self {
        case .flash(let t):
            guard [1, 3, 15, 255].contains(t.count) else {
                throw Invalid(description: "a flash ADC needs 1, 3, 15 or 255 thresholds (a 1-, 2-, 4- or 8-bit code), got \(t.count)")
            }
            for (i, x) in t.enumerated() {
                guard x.isFinite, x > 0 else { throw Invalid(description: "flash threshold \(i + 1) must be positive electrons, got \(x)") }
                if i > 0, x <= t[i - 1] { throw Invalid(description: "flash thresholds must increase: \(x) e follows \(t[i - 1]) e") }
            }
        case let .linear(bits, lsb):
            guard [2, 4, 8].contains(bits) else { throw Invalid(description: "a linear ADC has 2, 4 or 8 bits, got \(bits)") }
            guard lsb > 0, lsb.isFinite else { throw Invalid(description: "linear ADC step must be positive electrons, got \(lsb)") }
        case .networkInput(let e):
            guard e.std > 0, e.mean.isFinite, e.positiveDivisor > 0, e.negativeDivisor > 0 else {
                throw Invalid(description: "network input code needs std > 0 and positive divisors")
            }
        }
    }

    /// The code format on the wire.
    public var format: CodeFormat {
        switch self {
        case .flash(let t): CodeFormat(bits: t.count <= 3 ? 2 : t.count <= 15 ? 4 : 8, signed: false)
        case .linear(let bits, _): CodeFormat(bits: bits, signed: false)
        case .networkInput: CodeFormat(bits: 4, signed: true)
        }
    }

    /// The code of charge `q` (electrons): the front end's own transfer (`ADCTransfer`), the
    /// one implementation, at the front end's float precision.
    public func code(_ q: Double) -> Int16 {
        // One value: code4 itself rather than a table built for it.
        if case .networkInput(let e) = self { return Int16(e.code4(charge: Double(Float(q)))) }
        return ADCTransfer(self).code(Float(q))
    }
}

/// An `ADC` unpacked for the per-pixel loop: plain stored values, no enum payload to copy.
struct ADCTransfer: Sendable {
    let kind: UInt8  // 0 flash, 1 linear, 2 network input
    let thresholds: [Float]
    let inverseStep: Double, maxCode: Double
    /// The network code's boundaries (kind 2).
    let table: InputCodeTable?

    init(_ adc: ADC) {
        switch adc {
        case .flash(let t):
            (kind, thresholds, inverseStep, maxCode, table) = (0, t.map(Float.init), 0, 0, nil)
        case let .linear(bits, lsb):
            (kind, thresholds, inverseStep, maxCode, table) = (1, [], 1 / lsb, Double((1 << bits) - 1), nil)
        case .networkInput(let e):
            (kind, thresholds, inverseStep, maxCode, table) = (2, [], 0, 0, InputCodeTable(e))
        }
    }

    @inline(__always)
    func code(_ q: Float) -> Int16 {
        switch kind {
        case 0:
            var n: Int16 = 0
            for x in thresholds where q >= x { n += 1 }
            return n
        case 1:
            return Int16(min(max((Double(q) * inverseStep).rounded(.down), 0), maxCode))
        default:
            return table!.code(q)
        }
    }
}

extension ADC {
    /// What a run-start says of this ADC.
    public var runDescription: ADCDescription {
        let f = format
        switch self {
        case .flash(let t): return ADCDescription(kind: "flash", bits: f.bits, signed: f.signed, flashThresholdsE: t)
        case .linear(_, let lsb): return ADCDescription(kind: "linear", bits: f.bits, signed: f.signed, stepE: lsb)
        case .networkInput(let e): return ADCDescription(kind: "network", bits: f.bits, signed: f.signed, inputEncoding: e)
        }
    }
}
