/// A network that takes the chip's own 2-bit flash-ADC codes (arXiv:2602.15946: the ADC
/// thresholds learned with the weights): code k in 0...3 is the number of `thresholds`
/// (electrons, increasing) a pixel's measured charge reaches, and the network's 4-bit input
/// code is `inputStep` * k, i.e. the input value k / 4.
public struct FlashInput: Codable, Sendable, Equatable {
    /// Three increasing thresholds, electrons.
    public var thresholds: [Double]

    public static let inputStep: Int8 = 2

    public init(thresholds: [Double]) { self.thresholds = thresholds }

    /// Why these thresholds cannot be a 2-bit flash ADC's, or nil.
    public var problem: String? {
        guard thresholds.count == 3 else { return "a 2-bit flash input needs 3 thresholds, got \(thresholds.count)" }
        guard thresholds.allSatisfy({ $0.isFinite && $0 > 0 }), zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return "flash thresholds must be positive and increasing, got \(thresholds)"
        }
        return nil
    }

    /// The flash code of measured charge `q` (electrons).
    public func code(_ q: Float) -> Int8 { Int8(thresholds.count { q >= Float($0) }) }

    enum CodingKeys: String, CodingKey { case thresholds = "thresholds_e" }
}
