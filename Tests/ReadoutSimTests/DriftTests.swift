import Foundation
import Testing

@testable import ReadoutSim

@Suite struct DriftTests {
    /// physics.md: tan(theta_L) = r_H mu B is about 0.32 for electrons at 263 K, 10 kV/cm, 3.8 T.
    @Test func electronLorentzAngleMatchesPhysicsMd() {
        let mu = JacoboniCanali(.electron, temperature: 263).mobility(field: 1e4)
        let tanL = 1.10 * mu * 1e-4 * 3.8
        #expect(abs(tanL - 0.32) < 0.01, "tan theta_L = \(tanL)")
        // Holes are slower: saturation and mobility both lower.
        #expect(JacoboniCanali(.hole, temperature: 263).mobility(field: 1e4) < mu / 1.5)
    }

    /// The linear field integrates to the bias (trapezoid on 400 intervals of a linear
    /// function is exact up to rounding); with implants, across the depleted bulk between them.
    @Test func linearFieldIntegratesToTheBias() throws {
        let whole = ElectricField.linear(bias: 100, depletion: 9, thickness: 100)
        #expect(abs(whole.integratedVoltage - 100) < 1e-9 * 100)
        // Highest at the collecting side: (V + V_dep) / d.
        #expect(abs(whole.magnitude(atDepth: 100) - 10_900) < 1e-6)

        // Default: implants 2 um deep, V_dep = 9 V (96 / 100)^2, the bias across 96 um.
        let sensor = try Sensor()
        let field = ElectricField.linear(sensor)
        let vdep = 9 * 0.96 * 0.96, top = (100 + vdep) / 96 * 1e4, bottom = (100 - vdep) / 96 * 1e4
        #expect(abs(field.magnitude(atDepth: 50) - 100 / 96 * 1e4) < 1e-6)  // PixelAV's TCAD: 10.42 kV/cm
        #expect(abs(field.magnitude(atDepth: 98) - top) < 1e-6 && abs(field.magnitude(atDepth: 100) - top) < 1e-6)
        #expect(abs(field.magnitude(atDepth: 2) - bottom) < 1e-6 && abs(field.magnitude(atDepth: 0) - bottom) < 1e-6)
        // The bulk carries the bias; each implant layer adds its edge field over 2 um.
        #expect(abs(field.integratedVoltage - (100 + 2e-4 * (top + bottom))) < 1e-9 * 100)
    }

    @Test(.enabled(if: Reference.directory != nil, "needs ../shared/reference"))
    func pixelAVFieldMapAlongTheCentreLine() throws {
        let field = try ElectricField.map(npz: Reference.directory! + "/pixelav-maps/pixelav-efield.npz", thickness: 100)
        // README of the maps: about 9.7 kV/cm at 6 um, 10.4 at 50, 12.3 at 96 (clamped to 95).
        #expect(abs(field.magnitude(atDepth: 6) - 9_700) < 100)
        #expect(abs(field.magnitude(atDepth: 50) - 10_400) < 100)
        // Integral close to the 100 V bias: the map's own built-in share makes it a few per cent more.
        #expect(abs(field.integratedVoltage - 100) < 7)
    }

    /// Collection and Lorentz drift from the table against direct integration at the
    /// extremes: an electron from the back crosses the whole sensor.
    @Test func driftTableCarriesElectronsAcrossTheSensor() throws {
        let sensor = try Sensor()
        let table = DriftTable(sensor: sensor, field: .linear(sensor), sliceTimes: TimeSlicing.uniform(count: 20, width: 0.2))
        let back = table.fates[0], top = table.fates[table.depthSteps]
        // About 70 um/ns along z (10 kV/cm, reduced by 1 + (mu_H B)^2): 1.2-1.7 ns from the back.
        #expect(back.collectionTime > 1.2 && back.collectionTime < 1.7, "\(back.collectionTime) ns")
        // Drift of 100 um at tan(theta_L) ~ 0.3 toward -y.
        #expect(back.finalShift < -27 && back.finalShift > -36, "\(back.finalShift) um")
        #expect(top.collectionTime == 0 && top.electronCollectedSlice == 0)
        // Diffusion sigma sqrt(2 D t): a few micrometres after ~1.5 ns.
        #expect(back.finalSigma > 2 && back.finalSigma < 5, "\(back.finalSigma) um")
        // Holes from the collecting side take about 2.5 ns: collected in slice 11-13.
        #expect((11...13).contains(top.holeCollectedSlice))
        // Monotonic: electrons start deeper, arrive later.
        #expect(zip(table.fates, table.fates.dropFirst()).allSatisfy { $0.collectionTime >= $1.collectionTime })
    }
}

/// The Lorentz drift follows the field: none without it, mirrored when it is reversed.
@Suite struct MagneticFieldTests {
    @Test func lorentzShiftFollowsTheField() throws {
        func backShift(_ b: Double) throws -> Float {
            var c = SensorConditions()
            c.magneticField = b
            let sensor = try Sensor(conditions: c)
            return DriftTable(sensor: sensor, field: .linear(sensor), sliceTimes: TimeSlicing.uniform(count: 20, width: 0.2)).fates[0].finalShift
        }
        let nominal = try backShift(3.8)
        #expect(nominal < -27)
        #expect(try backShift(0) == 0)
        #expect(abs(try backShift(-3.8) + nominal) < 1e-4)
    }
}

/// Trapping: a trapped carrier stops, and the charge it has induced stays. Under a pad much
/// wider than the sensor is thick, W is z / d (given here exactly), so a pair created at z0
/// induces at the end
/// q (E[z where the electron stops] - E[z where the hole stops]) / d (Ramo's theorem for a
/// plane), with "stops" meaning trapped or collected (at d for electrons, 0 for holes). The
/// expectation is integrated here independently, on 0.1 ps steps of the same mobility model.
@Suite struct TrappingTests {
    @Test func trappedCarriersKeepTheChargeTheyInduced() throws {
        var conditions = SensorConditions()
        conditions.magneticField = 0
        conditions.trappingTime = 2
        let geometry = try SensorGeometry(pitchX: 2000, pitchY: 2000, thickness: 100, bias: 100)
        let sensor = try Sensor(geometry: geometry, conditions: conditions)
        let field = ElectricField.linear(sensor)
        let d = geometry.thickness
        let plane = (0..<(3 * 3 * 101)).map { Float($0 % 101) / 100 }  // W = z / d on 3 x 3 x 101 nodes
        let potential = WeightingPotential(pitchX: 2000, pitchY: 2000, thickness: d, nx: 3, ny: 3, nz: 101, values: plane, source: "plane")
        let drift = DriftTable(sensor: sensor, field: field, sliceTimes: TimeSlicing.uniform(count: 20, width: 0.2))
        let signal = InducedSignal(drift: drift, potential: potential, rows: 3, columns: 3)

        func stopDepth(_ kind: Carrier, from z0: Double) -> Double {
            let m = JacoboniCanali(kind, temperature: conditions.temperature)
            let up = kind == .electron, dt = 1e-4  // ns
            var z = z0, t = 0.0, expected = 0.0
            while up ? z < d : z > 0 {
                let e = field.magnitude(atDepth: z)
                let v = m.mobility(field: e) * e * 1e-5  // um/ns
                expected += z * (exp(-t / 2) - exp(-(t + dt) / 2))
                z += up ? v * dt : -v * dt
                t += dt
            }
            return expected + (up ? d : 0) * exp(-t / 2)
        }
        for z0 in [20.0, 50.0, 80.0] {
            var packets = ChargePackets()
            packets.append(x: 0, y: 0, z: z0, pairs: 1000)
            var frame: [Float] = [], scratch: [Float] = []
            signal.induce(packets, into: &frame, collected: &scratch)
            let final = Double(frame[19 * 9 + 4])  // last slice, centre pixel
            let expected = 1000 * (stopDepth(.electron, from: z0) - stopDepth(.hole, from: z0)) / d
            // 1 %: the table's 401 start depths and 16-point trap averages.
            #expect(abs(final - expected) < 0.01 * 1000, "z0 \(z0): \(final) e, expected \(expected)")
            // Counting only the surviving electrons (trapped carriers' charge lost) is far off:
            // too low from the back, too high from the top (trapped holes are missed).
            let survivorsOnly = 1000 * Double(drift.fates[drift.row(depth: z0)].finalSurvival)
            #expect(abs(final - survivorsOnly) > 0.05 * 1000, "z0 \(z0): \(final) e against \(survivorsOnly)")
        }
    }
}
