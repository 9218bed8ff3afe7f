import Foundation
import Randomness

/// Front-end settings (PixelAV has none; physics.md, point 5). All charges in electrons.
public struct FrontEndSettings: Sendable, Equatable {
    /// Equivalent noise charge added to every sample, Gaussian.
    public var noise: Double = 30
    /// Mean discriminator threshold and its pixel-to-pixel dispersion (rms).
    public var threshold: Double = 400
    public var thresholdDispersion: Double = 20
    public var adc: ADC = .smartPixelsFlash

    public init() {}

    /// No noise, no threshold: the charge as simulated.
    public static var ideal: FrontEndSettings {
        var s = FrontEndSettings()
        s.noise = 0
        s.threshold = 0
        s.thresholdDispersion = 0
        return s
    }

    public func validate() throws(ADC.Invalid) {
        guard noise >= 0, noise.isFinite else { throw ADC.Invalid(description: "noise must be non-negative electrons, got \(noise)") }
        guard threshold >= 0, threshold.isFinite else { throw ADC.Invalid(description: "threshold must be non-negative electrons, got \(threshold)") }
        guard thresholdDispersion >= 0, thresholdDispersion.isFinite else {
            throw ADC.Invalid(description: "threshold dispersion must be non-negative electrons, got \(thresholdDispersion)")
        }
        try adc.validate()
    }
}

/// The pixel front end of one region: noise on every sample, a per-pixel threshold (drawn
/// once, the chip's fixed pattern) applied to the last slice, zero suppression of pixels
/// below it (all their slices become 0), and the ADC.
///
/// Noise on pixels without signal is not drawn one by one: the number of such pixels whose
/// last-slice noise crosses their threshold is drawn from its law and only those get noise
/// values (from the Gaussian tail), so an empty pixel costs nothing and no noise hit is lost.
/// Noise is independent between slices and pixels; on hit pixels it comes from
/// `GaussianTable` (65,536 quantiles, four per 64-bit draw) so that a sample costs a few
/// nanoseconds.
public struct FrontEnd: Sendable {
    public let settings: FrontEndSettings
    public let rows: Int, columns: Int, slices: Int
    /// Per-pixel thresholds, electrons.
    public let thresholds: [Float]
    /// Per pixel: probability that noise alone crosses its threshold in the last slice.
    let noiseHitProbability: [Double]
    let meanNoiseHitProbability: Double
    let transfer: ADCTransfer
    /// Probability that a frame has no noise-only hit, exp(-expected hits).
    let noNoiseHitProbability: Double
    let minimumThreshold: Float
    let gaussian: [Float]

    public init(settings: FrontEndSettings, rows: Int, columns: Int, slices: Int, seed: UInt64) throws(ADC.Invalid) {
        try settings.validate()
        self.settings = settings
        self.rows = rows
        self.columns = columns
        self.slices = slices
        var rng = SplitMix64.stream(seed: seed, index: 0xF1ED)
        let t = (0..<(rows * columns)).map { _ in Float(max(0, settings.threshold + settings.thresholdDispersion * rng.gaussian())) }
        thresholds = t
        let p = t.map { settings.noise > 0 ? 0.5 * erfc(Double($0) / (settings.noise * 2.0.squareRoot())) : ($0 <= 0 ? 1.0 : 0.0) }
        noiseHitProbability = p
        meanNoiseHitProbability = p.reduce(0, +) / Double(max(p.count, 1))
        transfer = ADCTransfer(settings.adc)
        noNoiseHitProbability = exp(-meanNoiseHitProbability * Double(rows * columns))
        minimumThreshold = t.min() ?? 0
        gaussian = GaussianTable.shared.values
    }

    /// Digitizes `charge` (slices x rows x columns) into `codes` and writes the charge the
    /// front end measured (noise added, zero-suppressed) back into `charge`. Returns the
    /// number of pixels kept.
    @discardableResult
    public func digitize(_ charge: inout [Float], codes: inout [Int16], rng: inout some RandomNumberGenerator) -> Int {
        let perSlice = rows * columns, last = (slices - 1) * perSlice
        if codes.count != charge.count { codes = [Int16](repeating: 0, count: charge.count) }
        var kept = 0
        var out: [Float]? = charge
        codes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        out!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for i in 0..<perSlice where charge[last + i] != 0 {
            if keep(pixel: i, values: { charge[$0 * perSlice + i] }, scale: 1, codes: &codes, charge: &out, rng: &rng) { kept += 1 }
        }
        kept += addNoiseHits(codes: &codes, charge: &out, isOccupied: { charge[last + $0] != 0 }, rng: &rng)
        charge = out!
        return kept
    }

    /// The same for a sparse cluster: pixel p of `pixels` has its slices' values at
    /// `values[p * stride + first + k]` (scaled by `scale`) and goes to `row(p)`, `column(p)`;
    /// pixels falling outside are cut.
    /// The pixels come in decreasing order of last-slice charge: the loop stops at the first
    /// one more than 8 noise sigmas below the lowest threshold. The frame is written at
    /// `offset` in `codes` (and `charge` when non-nil): the arrays grow by a frame when they
    /// end there (so frames can be appended in place), otherwise that frame is overwritten.
    @inline(__always)
    public func digitizeSparse(
        pixels: Range<Int>, row: (Int) -> Int, column: (Int) -> Int, values: [Float], stride: Int, first: Int, scale: Float,
        codes: inout [Int16], charge: inout [Float]?, offset: Int = 0, rng: inout some RandomNumberGenerator
    ) {
        let n = rows * columns * slices
        Self.clearFrame(&codes, offset: offset, count: n)
        if charge != nil { Self.clearFrame(&charge!, offset: offset, count: n) }
        let floor = minimumThreshold - 8 * Float(settings.noise)
        for p in pixels {
            if values[p * stride + first + slices - 1] * scale < floor { break }
            let r = row(p), c = column(p)
            guard r >= 0, r < rows, c >= 0, c < columns else { continue }
            _ = keep(
                pixel: r * columns + c, values: { values[p * stride + first + $0] }, scale: scale, codes: &codes, charge: &charge, offset: offset, rng: &rng)
        }
        _ = addNoiseHits(
            codes: &codes, charge: &charge, offset: offset,
            isOccupied: { i in pixels.contains { p in values[p * stride + first + slices - 1] != 0 && row(p) * columns + column(p) == i } }, rng: &rng)
    }

    static func clearFrame<T: Numeric>(_ a: inout [T], offset: Int, count n: Int) {
        if a.count <= offset {
            a.append(contentsOf: repeatElement(0, count: offset + n - a.count))
        } else {
            if a.count < offset + n { a.append(contentsOf: repeatElement(0, count: offset + n - a.count)) }
            a.withUnsafeMutableBufferPointer { UnsafeMutableBufferPointer(rebasing: $0[offset..<(offset + n)]).update(repeating: 0) }
        }
    }

    /// One pixel: last-slice charge with noise against the pixel's threshold; if kept, every
    /// slice gets its noise and is coded. A pixel more than 8 noise sigmas below its
    /// threshold (odds below 1e-15) is dropped without drawing.
    @inline(__always)
    func keep(
        pixel i: Int, values: (Int) -> Float, scale: Float, codes: inout [Int16], charge: inout [Float]?, offset base: Int = 0,
        rng: inout some RandomNumberGenerator
    ) -> Bool {
        let perSlice = rows * columns
        let sigma = Float(settings.noise)
        let final = values(slices - 1) * scale
        guard final + 8 * sigma >= thresholds[i] else { return false }
        return gaussian.withUnsafeBufferPointer { g in
            var bits = rng.next()
            let measuredFinal = final + sigma * g[Int(bits & 0xFFFF)]
            guard measuredFinal >= thresholds[i], measuredFinal != 0 else { return false }
            var used = 1
            for k in 0..<slices {
                var q = measuredFinal
                if k < slices - 1 {
                    if used == 4 {
                        bits = rng.next()
                        used = 0
                    }
                    q = values(k) * scale + sigma * g[Int((bits >> (16 * UInt64(used))) & 0xFFFF)]
                    used += 1
                }
                let j = base + k * perSlice + i
                codes[j] = transfer.code(q)
                if charge != nil { charge![j] = q }
            }
            return true
        }
    }

    /// Pixels fired by noise alone: a Poisson count (the binomial's limit for these small
    /// probabilities) with the mean crossing probability, placed uniformly; picks that land on
    /// a pixel with signal are dropped (its noise is already drawn), which thins the count to
    /// the empty pixels exactly. Last-slice value from the Gaussian tail above the pixel's
    /// threshold, other slices plain noise.
    func addNoiseHits(codes: inout [Int16], charge: inout [Float]?, offset: Int = 0, isOccupied: (Int) -> Bool, rng: inout some RandomNumberGenerator) -> Int {
        guard settings.noise > 0, meanNoiseHitProbability > 0 else { return 0 }
        // Most frames have none: one uniform against the precomputed P(0) decides.
        guard rng.uniform() >= noNoiseHitProbability else { return 0 }
        let perSlice = rows * columns, last = (slices - 1) * perSlice
        // At least one hit: the Poisson count conditioned on being positive.
        var hits = 0
        repeat { hits = rng.poisson(mean: meanNoiseHitProbability * Double(perSlice)) } while hits == 0
        var added = 0
        for _ in 0..<hits {
            let i = Int(rng.uniform() * Double(perSlice))
            guard !isOccupied(i), codes[offset + last + i] == 0, charge?[offset + last + i] ?? 0 == 0 else { continue }
            let t = Double(thresholds[i]) / settings.noise
            var x: Double
            if t <= 1 {
                repeat { x = rng.gaussian() } while x < t
            } else {
                // Exponential proposal with rate t, accepted with exp(-(x - t)^2 / 2).
                repeat { x = t + rng.exponential() / t } while rng.uniform() > exp(-0.5 * (x - t) * (x - t))
            }
            for k in 0..<slices {
                let q = Float(settings.noise * (k == slices - 1 ? x : rng.gaussian()))
                codes[offset + k * perSlice + i] = transfer.code(q)
                if charge != nil { charge![offset + k * perSlice + i] = q }
            }
            added += 1
        }
        return added
    }
}
