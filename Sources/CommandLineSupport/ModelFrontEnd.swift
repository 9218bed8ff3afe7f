import OnPixelInference
import ReadoutProtocol
import ReadoutSim

extension QuantizedModel {
    /// The ADC a front end needs for this network: its 2-bit flash thresholds, or its 4-bit
    /// input code's constants; nil when the model file has neither (random weights).
    public var frontEndADC: ADC? {
        if let f = flashInput { return .flash(thresholds: f.thresholds) }
        return inputEncoding.map { .networkInput($0) }
    }
}

extension ADC {
    /// A few words for a status line: "4-bit input code", "2-bit flash codes (390, 1540, 2330 e)".
    public var summary: String {
        switch self {
        case .networkInput: "4-bit input code"
        case .flash(let t): "\(format.bits)-bit flash codes (\(t.map { String(Int($0.rounded())) }.joined(separator: ", ")) e)"
        case .linear(let bits, let lsb): "\(bits)-bit linear codes (\(Int(lsb.rounded())) e per count)"
        }
    }
}
