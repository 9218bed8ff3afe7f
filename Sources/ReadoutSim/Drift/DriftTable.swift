import Foundation

/// Where the carriers of a pair created at depth z0 are at each slice time, precomputed once
/// per sensor and slicing (the field depends only on depth, so every start depth follows
/// the same path): depth, Lorentz displacement in y and diffusion width in flight, and for
/// electrons the diffusion width and displacement at collection. Looked up at 0.25 % of the
/// thickness in z0.
public struct DriftTable: Sendable {
    public let thickness: Double
    /// Slice times, nanoseconds after the track crossed.
    public let sliceTimes: [Double]
    /// Start depths: `depthSteps + 1` points from 0 to the thickness.
    public let depthSteps = 400

    /// Both carriers of a pair at one slice time while in flight: depth, y displacement and
    /// lateral diffusion width sigma (micrometres) and the fraction surviving trapping; and,
    /// with trapping, the fraction trapped during the slice (up to the end of the slice or the
    /// carrier's collection) with the mean depth and y displacement where it stopped (weighted
    /// by the trapping rate).
    public struct Step: Sendable, Equatable {
        public var electronDepth: Float, electronShift: Float, electronSurvival: Float
        public var holeDepth: Float, holeShift: Float, holeSurvival: Float
        public var electronTrapped: Float = 0, electronTrapDepth: Float = 0, electronTrapShift: Float = 0
        public var holeTrapped: Float = 0, holeTrapDepth: Float = 0, holeTrapShift: Float = 0
        public var electronSigma: Float = 0, holeSigma: Float = 0
    }

    /// What happens to a pair from one start depth: the first slice at which each carrier
    /// has been collected (`slices` if never) and, for the electron at the collecting side,
    /// its y displacement, diffusion sigma (micrometres), drift time (ns) and survival.
    public struct Fate: Sendable, Equatable {
        public var electronCollectedSlice: Int32, holeCollectedSlice: Int32
        public var finalShift: Float, finalSigma: Float, collectionTime: Float, finalSurvival: Float
    }

    /// Index start depth * slices + k.
    public let steps: [Step]
    /// Index start depth.
    public let fates: [Fate]

    public var slices: Int { sliceTimes.count }
    /// Whether carriers are trapped (the sensor has a trapping time).
    public let trapping: Bool

    public init(sensor: Sensor, field: ElectricField, sliceTimes: [Double]) {
        let g = sensor.geometry, c = sensor.conditions
        let d = g.thickness
        thickness = d
        self.sliceTimes = sliceTimes
        trapping = c.trappingTime != nil
        let fine = 4000
        let h = d / Double(fine)
        let kT = 8.617_333e-5 * c.temperature  // volts: k T / e
        // B along +x, E along -z: both carriers drift to -y (docs/physics.md).
        let lorentzSign = -1.0
        let electrons = JacoboniCanali(.electron, temperature: c.temperature)
        let holes = JacoboniCanali(.hole, temperature: c.temperature)

        // Velocity along z (um/ns), tan(theta_L) and diffusion per unit time at depth z.
        func transport(_ m: JacoboniCanali, hall: Double, z: Double) -> (v: Double, tanL: Double, diffusion: Double) {
            let e = field.magnitude(atDepth: z)
            let mu = m.mobility(field: e)  // cm^2/Vs
            let muHB = hall * mu * 1e-4 * c.magneticField
            let v = mu * e / (1 + muHB * muHB) * 1e-5  // cm/s -> um/ns
            return (v, muHB, 2 * kT * mu * 0.1)  // cm^2/s -> um^2/ns
        }
        // Cumulative time, y displacement and sigma^2 along the electron path from the back
        // (index i is depth i * h) and along the hole path from the collecting side.
        var tE = [Double](repeating: 0, count: fine + 1), yE = tE, sE = tE
        var tH = tE, yH = tE, sH = tE
        for i in 1...fine {
            let a = transport(electrons, hall: c.hallFactorElectrons, z: (Double(i) - 0.5) * h)
            tE[i] = tE[i - 1] + h / a.v
            yE[i] = yE[i - 1] + a.tanL * h
            sE[i] = sE[i - 1] + a.diffusion * h / a.v
        }
        for i in stride(from: fine - 1, through: 0, by: -1) {
            let a = transport(holes, hall: c.hallFactorHoles, z: (Double(i) + 0.5) * h)
            tH[i] = tH[i + 1] + h / a.v
            yH[i] = yH[i + 1] + a.tanL * h
            sH[i] = sH[i + 1] + a.diffusion * h / a.v
        }
        func interpolate(_ a: [Double], _ z: Double) -> Double {
            let s = min(max(z / h, 0), Double(fine))
            let i = min(Int(s), fine - 1)
            return a[i] + (a[i + 1] - a[i]) * (s - Double(i))
        }
        // Depth reached at path time tau (ascending for electrons, descending for holes).
        func depth(at tau: Double, times: [Double], ascending: Bool) -> Double {
            var lo = 0, hi = fine
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if (times[mid] <= tau) == ascending { lo = mid } else { hi = mid }
            }
            let f = (tau - times[lo]) / (times[hi] - times[lo])
            return (Double(lo) + f) * h
        }
        let survive: (Double) -> Double = { t in c.trappingTime.map { exp(-t / $0) } ?? 1 }

        // Fraction trapped between path times a and b after the start, and its mean depth
        // (midpoint rule on 16 sub-steps of the exponential trapping density).
        func trapped(from a: Double, to b: Double, start t0: Double, times: [Double], ascending: Bool) -> (fraction: Double, depth: Double) {
            guard let tau = c.trappingTime, b > a else { return (0, 0) }
            let fraction = exp(-a / tau) - exp(-b / tau)
            guard fraction > 0 else { return (0, 0) }
            var weighted = 0.0, total = 0.0
            let parts = 16
            for m in 0..<parts {
                let t = a + (b - a) * (Double(m) + 0.5) / Double(parts)
                let w = exp(-t / tau)
                weighted += w * depth(at: t0 + t, times: times, ascending: ascending)
                total += w
            }
            return (fraction, weighted / total)
        }

        let n = depthSteps + 1, s = sliceTimes.count
        var eD = [Float](repeating: 0, count: n * s), eS = eD, eSurv = eD, hD = eD, hS = eD, hSurv = eD
        var eTrap = eD, eTrapD = eD, eTrapS = eD, hTrap = eD, hTrapD = eD, hTrapS = eD, eSigma = eD, hSigma = eD
        var eK = [Int32](repeating: Int32(s), count: n), hK = eK
        var fShift = [Float](repeating: 0, count: n), fSigma = fShift, fTime = fShift, fSurv = fShift
        for i in 0..<n {
            let z0 = d * Double(i) / Double(depthSteps)
            let t0e = interpolate(tE, z0), y0e = interpolate(yE, z0), s0e = interpolate(sE, z0)
            let t0h = interpolate(tH, z0), y0h = interpolate(yH, z0), s0h = interpolate(sH, z0)
            let eTime = tE[fine] - t0e, hTime = tH[0] - t0h
            fShift[i] = Float(lorentzSign * (yE[fine] - y0e))
            fSigma[i] = Float(max(sE[fine] - s0e, 0).squareRoot())
            fTime[i] = Float(eTime)
            fSurv[i] = Float(survive(eTime))
            for (k, t) in sliceTimes.enumerated() {
                let j = i * s + k
                if t >= eTime {
                    if eK[i] == Int32(s) { eK[i] = Int32(k) }
                } else {
                    let z = depth(at: t0e + t, times: tE, ascending: true)
                    eD[j] = Float(z)
                    eS[j] = Float(lorentzSign * (interpolate(yE, z) - y0e))
                    eSigma[j] = Float(max(interpolate(sE, z) - s0e, 0).squareRoot())
                }
                eSurv[j] = Float(survive(min(t, eTime)))
                if t >= hTime {
                    if hK[i] == Int32(s) { hK[i] = Int32(k) }
                } else {
                    let z = depth(at: t0h + t, times: tH, ascending: false)
                    hD[j] = Float(z)
                    hS[j] = Float(lorentzSign * (interpolate(yH, z) - y0h))
                    hSigma[j] = Float(max(interpolate(sH, z) - s0h, 0).squareRoot())
                }
                hSurv[j] = Float(survive(min(t, hTime)))
                let before = k == 0 ? 0 : sliceTimes[k - 1]
                let e = trapped(from: min(before, eTime), to: min(t, eTime), start: t0e, times: tE, ascending: true)
                if e.fraction > 0 {
                    eTrap[j] = Float(e.fraction)
                    eTrapD[j] = Float(e.depth)
                    eTrapS[j] = Float(lorentzSign * (interpolate(yE, e.depth) - y0e))
                }
                let hole = trapped(from: min(before, hTime), to: min(t, hTime), start: t0h, times: tH, ascending: false)
                if hole.fraction > 0 {
                    hTrap[j] = Float(hole.fraction)
                    hTrapD[j] = Float(hole.depth)
                    hTrapS[j] = Float(lorentzSign * (interpolate(yH, hole.depth) - y0h))
                }
            }
        }
        steps = (0..<(n * s)).map { j in
            Step(
                electronDepth: eD[j], electronShift: eS[j], electronSurvival: eSurv[j], holeDepth: hD[j], holeShift: hS[j], holeSurvival: hSurv[j],
                electronTrapped: eTrap[j], electronTrapDepth: eTrapD[j], electronTrapShift: eTrapS[j], holeTrapped: hTrap[j], holeTrapDepth: hTrapD[j],
                holeTrapShift: hTrapS[j], electronSigma: eSigma[j], holeSigma: hSigma[j])
        }
        fates = (0..<n).map { i in
            Fate(
                electronCollectedSlice: eK[i], holeCollectedSlice: hK[i], finalShift: fShift[i], finalSigma: fSigma[i], collectionTime: fTime[i],
                finalSurvival: fSurv[i])
        }
    }

    /// The start-depth row for depth z (nearest of the 401).
    @inline(__always)
    public func row(depth z: Double) -> Int {
        min(max(Int(z / thickness * Double(depthSteps) + 0.5), 0), depthSteps)
    }
}
