import Foundation

/// Induction stage (Shockley-Ramo): the charge induced on each pixel at each slice time is
/// the sum over pairs of W(electron) - W(hole) for that pixel, evaluated where the carriers
/// are at that time. Each carrier induces on the pixel it is over and its eight neighbours
/// (the reach of the tabulated potential, as in PixelAV), which gives the bipolar transients
/// in neighbours; a carrier diffusing across its cell's y edge moves that reach a row over
/// (averaged over its cloud). Once an electron reaches the electrodes, its cloud (Gaussian,
/// with the diffusion width of its drift) is shared between the pixels it landed on; a hole
/// at the back induces nothing. A trapped carrier stops: the charge it had induced stays
/// (with a trapping time, the fraction trapped in each slice is frozen where it stopped, on
/// average). The output is cumulative charge per slice, in electrons.
public struct InducedSignal: Sendable {
    public let drift: DriftTable
    public let potential: WeightingPotential
    public let rows: Int, columns: Int
    public let pitchX: Double, pitchY: Double
    let inversePitchX: Double, inversePitchY: Double

    public init(drift: DriftTable, potential: WeightingPotential, rows: Int, columns: Int) {
        self.drift = drift
        self.potential = potential
        self.rows = rows
        self.columns = columns
        pitchX = potential.pitchX
        pitchY = potential.pitchY
        inversePitchX = 1 / pitchX
        inversePitchY = 1 / pitchY
    }

    public var slices: Int { drift.slices }
    public var frameSize: Int { slices * rows * columns }

    /// Writes the frame of `packets` into `frame` (slices x rows x columns, overwritten);
    /// `collected` is scratch space of the same size.
    public func induce(_ packets: ChargePackets, into frame: inout [Float], collected: inout [Float]) {
        let n = frameSize
        if frame.count != n { frame = [Float](repeating: 0, count: n) }
        if collected.count != n { collected = [Float](repeating: 0, count: n) }
        let perSlice = rows * columns, s = slices
        frame.withUnsafeMutableBufferPointer { out in
            collected.withUnsafeMutableBufferPointer { fin in
                out.update(repeating: 0)
                fin.update(repeating: 0)
                potential.values.withUnsafeBufferPointer { w in
                    drift.steps.withUnsafeBufferPointer { steps in
                        for p in 0..<packets.count {
                            let x = packets.x[p], y = packets.y[p], q = packets.pairs[p]
                            let row = drift.row(depth: packets.z[p])
                            let base = row * s
                            let fate = drift.fates[row]
                            let eK = Int(fate.electronCollectedSlice), hK = Int(fate.holeCollectedSlice)
                            for k in 0..<max(eK, hK) {
                                let step = steps[base + k]
                                if k < eK {
                                    add3x3(
                                        x: x, y: y + Double(step.electronShift), z: Double(step.electronDepth), charge: q * Double(step.electronSurvival),
                                        sigma: step.electronSigma, w: w, out: out, offset: k * perSlice)
                                }
                                if k < hK {
                                    add3x3(
                                        x: x, y: y + Double(step.holeShift), z: Double(step.holeDepth), charge: -q * Double(step.holeSurvival),
                                        sigma: step.holeSigma, w: w, out: out, offset: k * perSlice)
                                }
                            }
                            // Trapped carriers keep what they induced: added once, kept in later slices.
                            if drift.trapping {
                                for k in 0..<min(s, max(eK, hK) + 1) {
                                    let step = steps[base + k]
                                    if step.electronTrapped > 0 {
                                        add3x3(
                                            x: x, y: y + Double(step.electronTrapShift), z: Double(step.electronTrapDepth),
                                            charge: q * Double(step.electronTrapped), sigma: step.electronSigma, w: w, out: fin, offset: k * perSlice)
                                    }
                                    if step.holeTrapped > 0 {
                                        add3x3(
                                            x: x, y: y + Double(step.holeTrapShift), z: Double(step.holeTrapDepth), charge: -q * Double(step.holeTrapped),
                                            sigma: step.holeSigma, w: w, out: fin, offset: k * perSlice)
                                    }
                                }
                            }
                            if eK < s {
                                share(
                                    x: x, y: y + Double(fate.finalShift), sigma: Double(fate.finalSigma), charge: q * Double(fate.finalSurvival), out: fin,
                                    offset: eK * perSlice)
                            }
                        }
                    }
                    // Collected charge stays: a running sum over slices, then added.
                    for k in 1..<s {
                        let o = k &* perSlice
                        for i in 0..<perSlice { fin[o &+ i] += fin[o &- perSlice &+ i] }
                    }
                    for j in 0..<(s &* perSlice) { out[j] += fin[j] }
                }
            }
        }
    }

    /// Adds charge x W for the pixel under (x, y) and its neighbours, at depth z.
    @inline(__always)
    func add3x3(
        x: Double, y: Double, z: Double, charge: Double, sigma: Float, w: UnsafeBufferPointer<Float>, out: UnsafeMutableBufferPointer<Float>, offset: Int
    ) {
        let wp = potential
        let (c, r) = nearestPixel(x: x, y: y)
        let col = c + columns / 2, rw = r + rows / 2
        guard col >= -1, col <= columns, rw >= -1, rw <= rows else { return }
        let sz = min(max(z, 0), wp.thickness) / wp.hz
        let iz = min(Int(sz), wp.nz - 2)
        let fz = Float(sz - Double(iz))
        var ix = (0, 0, 0), fx = (Float(0), Float(0), Float(0))
        var iy = (0, 0, 0), fy = (Float(0), Float(0), Float(0))
        for d in 0..<3 {
            let sx = abs(x - Double(c + d - 1) * pitchX) / wp.hx
            let i = min(Int(sx), wp.nx - 2)
            let sy = abs(y - Double(r + d - 1) * pitchY) / wp.hy
            let jj = min(Int(sy), wp.ny - 2)
            switch d {
            case 0: (ix.0, fx.0, iy.0, fy.0) = (i, Float(sx - Double(i)), jj, Float(sy - Double(jj)))
            case 1: (ix.1, fx.1, iy.1, fy.1) = (i, Float(sx - Double(i)), jj, Float(sy - Double(jj)))
            default: (ix.2, fx.2, iy.2, fy.2) = (i, Float(sx - Double(i)), jj, Float(sy - Double(jj)))
            }
        }
        let ny = wp.ny, nz = wp.nz
        let q = Float(charge)
        // Node index and fraction along x for neighbour column dc; the table index of node
        // (jx, jy) at depth iz, the next x node `xStride` further on; W interpolated along z at
        // index b. Wrapping index arithmetic (faster, same bytes): nodes and pixels are clamped
        // inside their tables above.
        @inline(__always) func column(_ dc: Int) -> (Int, Float) { dc == 0 ? (ix.0, fx.0) : dc == 1 ? (ix.1, fx.1) : (ix.2, fx.2) }
        @inline(__always) func node(_ jx: Int, _ jy: Int) -> Int { (jx &* ny &+ jy) &* nz &+ iz }
        let xStride = ny &* nz
        @inline(__always) func alongZ(_ b: Int) -> Float { w[b] + (w[b &+ 1] - w[b]) * fz }
        for dr in 0..<3 {
            let pr = rw + dr - 1
            guard pr >= 0 && pr < rows else { continue }
            let (jy, gy) = dr == 0 ? (iy.0, fy.0) : dr == 1 ? (iy.1, fy.1) : (iy.2, fy.2)
            for dc in 0..<3 {
                let pc = col + dc - 1
                guard pc >= 0 && pc < columns else { continue }
                let (jx, gx) = column(dc)
                let b00 = node(jx, jy), b10 = b00 &+ xStride
                let c00 = alongZ(b00), c01 = alongZ(b00 &+ nz), c10 = alongZ(b10), c11 = alongZ(b10 &+ nz)
                let c0 = c00 + (c01 - c00) * gy, c1 = c10 + (c11 - c10) * gy
                out[offset &+ pr &* columns &+ pc] += q * (c0 + (c1 - c0) * gx)
            }
        }
        // In-flight diffusion: a carrier within a few sigma of its cell's y edge may have
        // crossed it, moving the reach of the potential one row over. On average the far
        // row loses, and the row beyond the edge gains, W at the reach's edge times the
        // probability of crossing (the potential there is the table's last y node).
        let yRel = y - Double(r) * pitchY, edge = 0.5 * pitchY - abs(yRel), s = Double(sigma)
        guard s > 0, edge < 3 * s else { return }
        let crossed = Float(Self.tail(edge / s)) * q
        let side = yRel >= 0 ? 1 : -1
        let lose = rw - side, gain = rw + 2 * side
        for dc in 0..<3 {
            let pc = col + dc - 1
            guard pc >= 0 && pc < columns else { continue }
            let (jx, gx) = column(dc)
            let b0 = node(jx, ny - 1)
            let e0 = alongZ(b0), e1 = alongZ(b0 &+ xStride)
            let moved = crossed * (e0 + (e1 - e0) * gx)
            if lose >= 0 && lose < rows { out[offset + lose * columns + pc] -= moved }
            if gain >= 0 && gain < rows { out[offset + gain * columns + pc] += moved }
        }
    }

    /// P(N(0, 1) > t), from a table on 0 ... 5 with linear interpolation (errors below 3e-5;
    /// an erfc call costs as much as a third of a carrier's potential lookups).
    @inline(__always)
    static func tail(_ t: Double) -> Double {
        let u = min(abs(t), 5) * Double(tailSteps)
        let i = min(Int(u), tailTable.count - 2)
        let p = tailTable[i] + (tailTable[i + 1] - tailTable[i]) * (u - Double(i))
        return t >= 0 ? p : 1 - p
    }
    static let tailSteps = 32
    static let tailTable: [Double] = (0...(5 * tailSteps + 1)).map { 0.5 * erfc(Double($0) / Double(tailSteps) / 2.0.squareRoot()) }

    /// The pixel (relative to the centre one) nearest to (x, y): rounding through an offset,
    /// which compiles to a conversion instead of a libm call (|x|, |y| < 1000 pitches).
    @inline(__always)
    func nearestPixel(x: Double, y: Double) -> (Int, Int) {
        (Int(x * inversePitchX + 1000.5) &- 1000, Int(y * inversePitchY + 1000.5) &- 1000)
    }

    /// Shares `charge` landing at (x, y) with Gaussian width sigma between the pixel it landed
    /// on and its neighbours (the tails beyond them go to the outer neighbours).
    @inline(__always)
    func share(x: Double, y: Double, sigma: Double, charge: Double, out: UnsafeMutableBufferPointer<Float>, offset: Int) {
        let (c, r) = nearestPixel(x: x, y: y)
        let col = c + columns / 2, rw = r + rows / 2
        guard col >= -1, col <= columns, rw >= -1, rw <= rows else { return }
        let s = max(sigma, 1e-6)
        func cdf(_ edge: Double, _ at: Double) -> Double { Self.tail((at - edge) / s) }
        let xl = cdf((Double(c) - 0.5) * pitchX, x), xh = cdf((Double(c) + 0.5) * pitchX, x)
        let yl = cdf((Double(r) - 0.5) * pitchY, y), yh = cdf((Double(r) + 0.5) * pitchY, y)
        let sx = (xl, xh - xl, 1 - xh), sy = (yl, yh - yl, 1 - yh)
        for dr in 0..<3 {
            let pr = rw + dr - 1
            guard pr >= 0 && pr < rows else { continue }
            let fy = dr == 0 ? sy.0 : dr == 1 ? sy.1 : sy.2
            for dc in 0..<3 {
                let pc = col + dc - 1
                guard pc >= 0 && pc < columns else { continue }
                let fx = dc == 0 ? sx.0 : dc == 1 ? sx.1 : sx.2
                out[offset + pr * columns + pc] += Float(charge * fx * fy)
            }
        }
    }
}
