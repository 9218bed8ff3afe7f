import ArgumentParser
import CommandLineSupport
import Foundation
import OnPixelInference

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate raw network-input tensors with the integer engine, for cross-checks with QKeras or hls4ml.",
        discussion: """
            INPUTS: float32 little-endian, N x 13 x 21 x S in Keras's NHWC order, already \
            quantized (every value a multiple of 1/8 in [-1, 0.875] for the seed's 4-bit input). \
            OUTPUTS: N x 14 float32 little-endian, the raw network outputs in the order \
            x, L11, y, L22, cotA, L33, cotB, L44, L21, L31, L32, L41, L42, L43; they equal \
            QKeras's float32 outputs exactly. A value off the input grid is an error naming \
            the event, row, column and slice.
            """
    )

    @Option(help: "Model file (docs/model-format.md).")
    var model: String

    @Option(help: "Input tensor file.")
    var inputs: String

    @Option(help: "Output file to write.")
    var outputs: String

    @Option(help: "Worker threads.")
    var threads = 1

    @Flag(help: "Also run the float reference on every event and fail on any difference.")
    var checkReference = false

    func validate() throws {
        try OutputPath.check(outputs, flag: "--outputs")
    }

    func run() throws {
        let m: QuantizedModel
        do { m = try ModelFile.load(path: model) } catch { throw ValidationError("--model \(error)") }
        guard let data = FileManager.default.contents(atPath: inputs) else { throw ValidationError("--inputs \(inputs): cannot read the file") }
        let codes: [Int8]
        do { codes = try NetworkInputFile.codes(data, architecture: m.architecture, path: inputs) } catch { throw ValidationError("--inputs \(error)") }
        let engine = try IntegerEngine(m)
        let n = codes.count / m.architecture.inputCount
        let values = engine.evaluateBatch(codes, count: n, threads: threads).map { Float(Double($0) * engine.outputScale) }
        if checkReference {
            let reference = try FloatReferenceEngine(m)
            let a = m.architecture
            for e in 0..<n {
                let r = reference.trace(codes[(e * a.inputCount)..<((e + 1) * a.inputCount)].map { Double($0) * a.types.input.scale }).outputs
                guard r.map(Float.init) == Array(values[(e * 14)..<((e + 1) * 14)]) else {
                    throw ValidationError("event \(e): integer engine and float reference differ")
                }
            }
        }
        try OutputPath.write(NetworkInputFile.bytes(values), to: outputs, flag: "--outputs")
        print("\(n) events -> \(outputs)\(checkReference ? " (float reference agrees on all)" : "")")
    }
}
