import Foundation
import ReferenceData
import Synchronization

/// The weighting potential of one pixel, tabulated on |x| <= 1.5 pitch_x, |y| <= 1.5 pitch_y
/// (the pixel and its eight neighbours, as PixelAV does) and 0 <= z <= thickness (z from the
/// back; W = 1 on the pixel's own electrode at z = thickness). Symmetric in x and y.
public struct WeightingPotential: Sendable {
    public let pitchX: Double, pitchY: Double, thickness: Double
    /// Grid points along |x|, |y| and z, and their spacing in micrometres.
    public let nx: Int, ny: Int, nz: Int
    public let hx: Double, hy: Double, hz: Double
    /// Values at (ix, iy, iz), index (ix * ny + iy) * nz + iz.
    public let values: [Float]
    /// Where the table came from, for reports.
    public let source: String

    public init(pitchX: Double, pitchY: Double, thickness: Double, nx: Int, ny: Int, nz: Int, values: [Float], source: String) {
        precondition(values.count == nx * ny * nz && nx > 1 && ny > 1 && nz > 1)
        self.pitchX = pitchX
        self.pitchY = pitchY
        self.thickness = thickness
        self.nx = nx
        self.ny = ny
        self.nz = nz
        hx = 1.5 * pitchX / Double(nx - 1)
        hy = 1.5 * pitchY / Double(ny - 1)
        hz = thickness / Double(nz - 1)
        self.values = values
        self.source = source
    }

    /// W at a point relative to the pixel centre (trilinear; zero outside the tabulated 3x3).
    public func value(x: Double, y: Double, z: Double) -> Double {
        let sx = abs(x) / hx, sy = abs(y) / hy, sz = min(max(z, 0), thickness) / hz
        guard sx <= Double(nx - 1), sy <= Double(ny - 1) else { return 0 }
        let ix = min(Int(sx), nx - 2), iy = min(Int(sy), ny - 2), iz = min(Int(sz), nz - 2)
        let fx = sx - Double(ix), fy = sy - Double(iy), fz = sz - Double(iz)
        func v(_ a: Int, _ b: Int, _ c: Int) -> Double { Double(values[((ix + a) * ny + iy + b) * nz + iz + c]) }
        let c00 = v(0, 0, 0) * (1 - fz) + v(0, 0, 1) * fz, c01 = v(0, 1, 0) * (1 - fz) + v(0, 1, 1) * fz
        let c10 = v(1, 0, 0) * (1 - fz) + v(1, 0, 1) * fz, c11 = v(1, 1, 0) * (1 - fz) + v(1, 1, 1) * fz
        return (c00 * (1 - fy) + c01 * fy) * (1 - fx) + (c10 * (1 - fy) + c11 * fy) * fx
    }

    // MARK: Analytic pad model

    /// The weighting potential of a pitch_x x pitch_y pad in a parallel-plate sensor (Riegler's
    /// pad in a plane condenser; Allpix Squared's "pad" model): the potential of a rectangle in
    /// a grounded plane, phi(u) = (1/2pi) sum over corners of +-atan(XY / (u sqrt(X^2+Y^2+u^2))),
    /// u the distance from the pixel plane, made zero on the back plane by the image series
    /// sum_n [phi(u + 2nd) - phi(2(n+1)d - u)], summed until a term is below 1e-9 (a dozen
    /// terms for pixels small against the thickness, hundreds for pads much wider than it).
    public static func pad(_ geometry: SensorGeometry) -> WeightingPotential {
        let key = PadKey(pitchX: geometry.pitchX, pitchY: geometry.pitchY, thickness: geometry.thickness, cells: 0)
        if let cached = padCache.withLock({ $0[key] }) { return cached }
        let table = computePad(key)
        padCache.withLock { $0[key] = table }
        return table
    }

    struct PadKey: Hashable, Sendable {
        var pitchX: Double, pitchY: Double, thickness: Double
        /// 0 for the infinite array, else the cell size in pixels.
        var cells: Int
    }

    private static let padCache = Mutex<[PadKey: WeightingPotential]>([:])

    /// Potential of the pad (centred at the origin, at potential 1) in a grounded plane at
    /// height u above it, at lateral offset (x, y).
    static func halfSpace(x: Double, y: Double, u: Double, a: Double, b: Double) -> Double {
        if u <= 0 { return abs(x) < a && abs(y) < b ? 1 : (abs(x) == a || abs(y) == b) && abs(x) <= a && abs(y) <= b ? 0.5 : 0 }
        func f(_ px: Double, _ py: Double) -> Double { atan(px * py / (u * (px * px + py * py + u * u).squareRoot())) }
        let x1 = -a - x, x2 = a - x, y1 = -b - y, y2 = b - y
        return (f(x2, y2) - f(x1, y2) - f(x2, y1) + f(x1, y1)) / (2 * Double.pi)
    }

    /// W of the pad (half-widths a, b) at lateral offset (x, y) and depth u below the pixel
    /// plane: the image series, summed until a term is below 1e-9.
    static func padSeries(x: Double, y: Double, u: Double, a: Double, b: Double, thickness d: Double) -> Double {
        var w = 0.0
        for n in 0..<1_000_000 {
            let image = 2 * Double(n) * d
            let term = halfSpace(x: x, y: y, u: u + image, a: a, b: b) - halfSpace(x: x, y: y, u: image + 2 * d - u, a: a, b: b)
            w += term
            if n >= 12 && abs(term) < 1e-9 { break }
        }
        return w
    }

    static func computePad(_ key: PadKey) -> WeightingPotential {
        let nx = 76, ny = 37, nz = 101
        let d = key.thickness, a = key.pitchX / 2, b = key.pitchY / 2
        let hx = 1.5 * key.pitchX / Double(nx - 1), hy = 1.5 * key.pitchY / Double(ny - 1), hz = d / Double(nz - 1)
        var values = [Float](repeating: 0, count: nx * ny * nz)
        for ix in 0..<nx {
            for iy in 0..<ny {
                let x = Double(ix) * hx, y = Double(iy) * hy
                for iz in 0..<nz {
                    values[(ix * ny + iy) * nz + iz] = Float(min(max(padSeries(x: x, y: y, u: d - Double(iz) * hz, a: a, b: b, thickness: d), 0), 1))
                }
            }
        }
        return WeightingPotential(pitchX: key.pitchX, pitchY: key.pitchY, thickness: d, nx: nx, ny: ny, nz: nz, values: values, source: "analytic pad model")
    }

    // MARK: Pad in a finite cell (PixelAV's TCAD domain)

    /// The weighting potential of a pitch_x x pitch_y pad at the centre of a cell of
    /// `cells` x `cells` pixels with reflecting (zero normal field) side walls, the domain of
    /// a TCAD weighting-field simulation; PixelAV's map for the type-2 sensor is this with
    /// 5 x 5 pixels to within a few per cent (docs/physics.md). Cosine series in x and y:
    /// W = sum_pq A_p A_q cos(2 pi p x / Lx) cos(2 pi q y / Ly) sinh(k z) / sinh(k d), with
    /// A_0 = pitch / L, A_p = 2 sin(pi p pitch / L) / (pi p), k = 2 pi sqrt((p/Lx)^2 + (q/Ly)^2);
    /// at depth u below the pixel plane, modes with k u > 18 (below 1.5e-8) are dropped.
    public static func cell(_ geometry: SensorGeometry, cells: Int = 5) -> WeightingPotential {
        let key = PadKey(pitchX: geometry.pitchX, pitchY: geometry.pitchY, thickness: geometry.thickness, cells: cells)
        if let cached = padCache.withLock({ $0[key] }) { return cached }
        let table = computeCell(key)
        padCache.withLock { $0[key] = table }
        return table
    }

    static func computeCell(_ key: PadKey) -> WeightingPotential {
        let nx = 76, ny = 37, nz = 101
        let d = key.thickness, lx = Double(key.cells) * key.pitchX, ly = Double(key.cells) * key.pitchY
        let hx = 1.5 * key.pitchX / Double(nx - 1), hy = 1.5 * key.pitchY / Double(ny - 1), hz = d / Double(nz - 1)
        func amplitude(_ p: Int, _ pitch: Double, _ l: Double) -> Double {
            p == 0 ? pitch / l : 2 * sin(Double.pi * Double(p) * pitch / l) / (Double.pi * Double(p))
        }
        var values = [Float](repeating: 0, count: nx * ny * nz)
        for iz in 0..<nz {
            let z = Double(iz) * hz, u = d - z
            if iz == nz - 1 {
                // On the electrodes: 1 on the pad, 0 elsewhere, 1/2 on its edges.
                for ix in 0..<nx {
                    for iy in 0..<ny {
                        values[(ix * ny + iy) * nz + iz] = Float(halfSpace(x: Double(ix) * hx, y: Double(iy) * hy, u: 0, a: key.pitchX / 2, b: key.pitchY / 2))
                    }
                }
                continue
            }
            let pMax = min(Int(18 * lx / (2 * Double.pi * u)) + 1, 20_000), qMax = min(Int(18 * ly / (2 * Double.pi * u)) + 1, 20_000)
            let aq = (0...qMax).map { amplitude($0, key.pitchY, ly) }
            let cosY = (0..<ny).map { j in (0...qMax).map { q in cos(2 * Double.pi * Double(q) * Double(j) * hy / ly) * aq[q] } }
            var plane = [Double](repeating: 0, count: nx * ny)
            var g = [Double](repeating: 0, count: ny)
            var zf = [Double](repeating: 0, count: qMax + 1)
            for p in 0...pMax {
                let ap = amplitude(p, key.pitchX, lx)
                guard ap != 0 else { continue }
                for q in 0...qMax {
                    let k = 2 * Double.pi * ((Double(p) / lx) * (Double(p) / lx) + (Double(q) / ly) * (Double(q) / ly)).squareRoot()
                    zf[q] = k == 0 ? z / d : exp(-k * u) * (1 - exp(-2 * k * z)) / (1 - exp(-2 * k * d))
                }
                for j in 0..<ny {
                    var sum = 0.0
                    for q in 0...qMax { sum += cosY[j][q] * zf[q] }
                    g[j] = sum * ap
                }
                for i in 0..<nx {
                    let c = cos(2 * Double.pi * Double(p) * Double(i) * hx / lx)
                    for j in 0..<ny { plane[i * ny + j] += c * g[j] }
                }
            }
            for i in 0..<nx {
                for j in 0..<ny { values[(i * ny + j) * nz + iz] = Float(min(max(plane[i * ny + j], 0), 1)) }
            }
        }
        return WeightingPotential(
            pitchX: key.pitchX, pitchY: key.pitchY, thickness: d, nx: nx, ny: ny, nz: nz, values: values,
            source: "pad in a \(key.cells) x \(key.cells)-pixel cell")
    }

    // MARK: Maps

    public struct InvalidMap: Error, CustomStringConvertible {
        public let description: String
    }

    /// A weighting-potential map in the layout of ../shared/reference/pixelav-maps (numpy .npz
    /// with `W` (x, y, z) on `x_um`, `y_um`, `z_um`, covering 1.5 pitches in x and y, z from
    /// the back). Negative entries are set to 0, as PixelAV does.
    public static func map(npz path: String, geometry: SensorGeometry) throws -> WeightingPotential {
        let arrays = try NumPyArchive.load(path: path)
        guard let w = arrays["W"], let xs = arrays["x_um"], let ys = arrays["y_um"], let zs = arrays["z_um"] else {
            throw InvalidMap(description: "\(path): a weighting-potential map needs arrays W, x_um, y_um and z_um")
        }
        let x = try xs.float64(), y = try ys.float64(), z = try zs.float64()
        guard w.shape == [x.count, y.count, z.count], x.count > 1, y.count > 1, z.count > 1 else {
            throw InvalidMap(description: "\(path): W has shape \(w.shape), expected [\(x.count), \(y.count), \(z.count)] from x_um, y_um, z_um")
        }
        let spans = [(x.last!, 1.5 * geometry.pitchX, "x"), (y.last!, 1.5 * geometry.pitchY, "y"), (z.last!, geometry.thickness, "z")]
        for (span, expected, axis) in spans where abs(span - expected) > 1e-6 * expected + 1e-9 {
            throw InvalidMap(description: "\(path): the map's \(axis) axis ends at \(span) um, but \(geometry) needs \(expected) um")
        }
        let values = try w.float64().map { Float(max($0, 0)) }
        return WeightingPotential(
            pitchX: geometry.pitchX, pitchY: geometry.pitchY, thickness: geometry.thickness,
            nx: x.count, ny: y.count, nz: z.count, values: values, source: "map \(path)")
    }
}
