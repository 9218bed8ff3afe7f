import Testing

@testable import ReadoutProtocol

@Suite struct BarrelKinematicsTests {
    let layer = BarrelKinematics()

    @Test func curvatureTermMatchesPhysicsTable() {
        // physics.md: 0.171 at 0.1 GeV, 0.085 at 0.2, 0.017 at 1, 0.0085 at 2 (3 significant figures of 0.0171/pT).
        #expect(abs(layer.curvatureConstant - 0.0171) < 0.00005)
        for (pt, term) in [(0.1, 0.171), (0.2, 0.085), (1.0, 0.017), (2.0, 0.0085)] {
            let small = layer.curvatureConstant / pt
            #expect(abs(small - term) / term < 0.01, "small-angle term at \(pt) GeV is \(small)")
            // The exact form departs from it by about x^2/2 (tan and asin beyond first order).
            let exact = -layer.cotBeta(pt: pt, y0: 0)
            #expect(abs(exact - small) / small < small * small, "exact term at \(pt) GeV is \(exact)")
        }
    }

    @Test func signFollowsChargeAndInversionRecoversPt() {
        for y0 in [-8.1, 0, 3.3, 8.1] {
            for pt in [0.3, 1.0, 5.0] {
                let plus = layer.cotBeta(pt: pt, y0: y0), minus = layer.cotBeta(pt: -pt, y0: y0)
                #expect(plus < y0 / layer.radius && minus > y0 / layer.radius)
                #expect(abs(layer.pt(cotBeta: plus, y0: y0) - pt) < 1e-9 * pt)
                #expect(abs(layer.pt(cotBeta: minus, y0: y0) + pt) < 1e-9 * pt)
                // Small-angle: sec^2(atan(8.1/30)) * r/h = 1.073 * 1.036 at the module's edge.
                #expect(abs(layer.ptSmallAngle(cotBeta: plus, y0: y0) - pt) / pt < 0.12)
            }
        }
    }
}
