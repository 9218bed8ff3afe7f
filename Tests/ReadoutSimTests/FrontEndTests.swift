import Foundation
import Randomness
import ReadoutProtocol
import Testing

@testable import ReadoutSim

@Suite struct FrontEndTests {
    @Test func flashAndLinearCodes() throws {
        #expect(ADC.smartPixelsFlash.code(399) == 0 && ADC.smartPixelsFlash.code(400) == 1)
        #expect(ADC.smartPixelsFlash.code(1600) == 2 && ADC.smartPixelsFlash.code(99_999) == 3)
        #expect(ADC.smartPixelsFlash.format == CodeFormat(bits: 2, signed: false))
        let linear = ADC.linear(bits: 4, lsb: 500)
        #expect(linear.code(-100) == 0 && linear.code(999) == 1 && linear.code(1e6) == 15)
        let network = ADC.networkInput(InputEncoding(mean: 10, std: 2))
        #expect(network.code(0) == 0 && network.format == CodeFormat(bits: 4, signed: true))
        // log2(1 + 1023) = 10: the mean, code 0; log2(1 + 4095) = 12: z = 1 / 1.7 -> 8 z = 4.7 -> 5.
        #expect(network.code(1023) == 0 && network.code(4095) == 5)
    }

    @Test func badSettingsAreRefused() {
        #expect(throws: ADC.Invalid.self) { try ADC.flash(thresholds: [400, 300, 2400]).validate() }
        #expect(throws: ADC.Invalid.self) { try ADC.flash(thresholds: [400, 1600]).validate() }
        #expect(throws: ADC.Invalid.self) { try ADC.linear(bits: 3, lsb: 100).validate() }
        var s = FrontEndSettings()
        s.noise = -1
        #expect(throws: ADC.Invalid.self) { try FrontEnd(settings: s, rows: 13, columns: 21, slices: 2, seed: 1) }
    }

    /// Zero suppression on the last slice, every slice of a kept pixel coded.
    @Test func thresholdAndZeroSuppression() throws {
        var s = FrontEndSettings()
        s.noise = 0
        s.thresholdDispersion = 0
        let fe = try FrontEnd(settings: s, rows: 13, columns: 21, slices: 2, seed: 1)
        var charge = [Float](repeating: 0, count: 2 * 273), codes: [Int16] = []
        charge[5] = -50; charge[273 + 5] = 500  // kept: final above 400
        charge[6] = 300; charge[273 + 6] = 390  // dropped: final below
        var rng = SplitMix64(seed: 1)
        #expect(fe.digitize(&charge, codes: &codes, rng: &rng) == 1)
        #expect(charge[5] == -50 && charge[273 + 5] == 500 && codes[273 + 5] == 1)
        #expect(charge[6] == 0 && charge[273 + 6] == 0 && codes[6] == 0)
    }

    /// Noise-only hits: with a threshold 2.5 sigma above zero, each empty pixel fires with
    /// p = 0.0062; over 2,000 empty frames of 273 pixels, expect 3,388 +- 58 (5 sigma: 290).
    @Test func noiseHitsHaveTheGaussianRate() throws {
        var s = FrontEndSettings()
        s.noise = 100
        s.threshold = 250
        s.thresholdDispersion = 0
        let fe = try FrontEnd(settings: s, rows: 13, columns: 21, slices: 2, seed: 1)
        var rng = SplitMix64(seed: 9)
        var codes: [Int16] = []
        var hits = 0, below = 0
        for _ in 0..<2000 {
            var charge = [Float](repeating: 0, count: 2 * 273)
            hits += fe.digitize(&charge, codes: &codes, rng: &rng)
            below += charge[273...].filter { $0 != 0 && $0 < 250 }.count
        }
        let expected = 0.5 * erfc(2.5 / 2.0.squareRoot()) * 273 * 2000
        #expect(abs(Double(hits) - expected) < 5 * expected.squareRoot(), "\(hits) noise hits, expected \(expected)")
        #expect(below == 0)
    }
}
