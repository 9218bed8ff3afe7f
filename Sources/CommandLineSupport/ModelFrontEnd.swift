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
