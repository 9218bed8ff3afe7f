import Foundation
import OnPixelInference
import ReadoutProtocol
import ReadoutSim

/// Network inputs as the chain produces them: clusters from the front end (physics chain,
/// barrel tracks with the minimum-bias spectrum, default noise and 400 e threshold) coded with
/// the network's 4-bit input code, in the model's slices and NHWC order.
enum SimulatedInputs {
    static func make(model: QuantizedModel, seed: UInt64, count: Int = 4096) throws -> [Int8] {
        let a = model.architecture
        var settings = FrameSourceSettings()
        settings.mode = .physics
        settings.seed = seed
        settings.occupancy = 1
        settings.keptSlices = TimeSlices.network(channels: a.slices) ?? Array(0..<a.slices)
        settings.frontEnd.adc = try model.frontEndADC ?? .networkInput(settings.fittedInputEncoding())
        let source = try FrameSource(settings)
        let pixels = a.rows * a.columns
        let step: Int8 = model.flashInput == nil ? 1 : FlashInput.inputStep
        var inputs: [Int8] = []
        var chunk = 0
        while inputs.count < count * a.inputCount {
            let c = source.chunk(chunk)
            chunk += 1
            for r in 0..<c.count where inputs.count < count * a.inputCount {
                let frame = c.codes[(r * pixels * a.slices)..<((r + 1) * pixels * a.slices)]
                appendNHWC(frame, pixels: pixels, slices: Array(0..<a.slices), to: &inputs) { inputCode($0, step: step) }
            }
        }
        return inputs
    }
}
