import Foundation

/// Bichsel's collision cross-section for fast charged particles in silicon (H. Bichsel,
/// "Straggling in thin silicon detectors", Rev. Mod. Phys. 60 (1988) 663), the one PixelAV
/// samples: the energy-transfer spectrum relative to Rutherford's free-electron 1/E^2,
/// r(E) = E^2 sigma(E) / (E^2 sigma_R), at beta gamma = 79 (10 GeV pions: 72). Points
/// chosen from Bichsel's table, denser across the plasmon peak (17 eV), the L edge (100 eV)
/// and the K edge (1,839 eV), interpolated linearly in ln E. Beyond the last of them
/// (30 keV, r = 1.037) r is taken to fall to 1 (1.005 at 100 keV, 1 at 1 MeV). Integrated,
/// the table gives 3.831 collisions per um; Bichsel's own figure is 3.843.
enum BichselSilicon {
    /// (energy eV, r).
    static let ratio: [(Double, Double)] = [
        (1.7959, 0.006207), (2.0013, 0.007729), (2.2303, 0.009627), (2.2545, 0.009978),
        (2.4854, 0.012196), (2.7697, 0.015178), (3.0865, 0.018737), (3.2937, 0.019918),
        (3.4395, 0.018483), (3.8330, 0.020708), (4.0903, 0.021573), (4.2714, 0.018771),
        (4.5582, 0.014484), (4.7600, 0.015801), (5.3045, 0.023986), (5.9112, 0.027562),
        (6.5874, 0.036953), (7.3409, 0.052557), (8.1806, 0.071282), (9.1164, 0.10705),
        (10.1591, 0.17588), (11.3212, 0.32832), (11.8225, 0.43179), (11.9512, 0.51377),
        (12.4803, 0.68267), (13.0329, 0.93021), (13.6099, 1.31183), (14.0593, 1.75451),
        (14.5237, 2.39769), (15.0033, 3.31364), (15.4988, 4.59684), (16.0106, 6.20261),
        (16.3612, 7.26980), (16.7195, 8.05606), (17.0856, 8.34054), (17.4597, 8.07619),
        (17.8420, 7.41390), (18.2327, 6.57839), (18.8349, 5.36075), (19.4569, 4.41662),
        (19.8829, 3.92341), (20.0994, 3.34904), (20.5396, 2.72735), (21.2179, 2.16945),
        (21.9186, 1.69002), (22.6424, 1.42589), (23.3902, 1.23631), (24.1627, 1.09617),
        (24.9606, 0.98653), (26.0657, 0.88235), (27.2198, 0.81624), (28.4249, 0.77013),
        (29.6834, 0.73688), (31.6763, 0.70284), (34.1712, 0.67475), (36.8625, 0.65505),
        (39.7659, 0.63885), (42.8979, 0.62475), (46.2765, 0.61063), (49.9213, 0.59646),
        (53.8532, 0.58196), (58.0947, 0.56739), (62.6703, 0.55264), (67.6062, 0.53784),
        (72.9309, 0.52339), (78.6750, 0.50966), (84.8716, 0.49726), (87.6744, 0.49370),
        (89.5943, 0.49734), (91.5561, 0.51076), (93.5609, 0.53725), (95.6096, 0.60051),
        (97.7032, 0.71800), (99.8427, 0.97179), (100.9299, 2.44269), (102.0289, 2.23771),
        (104.2631, 2.21028), (106.5461, 2.47314), (108.8792, 2.80088), (110.0648, 2.69182),
        (111.2633, 3.21386), (112.4749, 3.62243), (114.9378, 3.96902), (118.7336, 4.14070),
        (123.9904, 4.22996), (129.4799, 4.34258), (135.2125, 4.48587), (141.1989, 4.59515),
        (147.4503, 4.81768), (150.6790, 5.05273), (155.6552, 5.18822), (159.0636, 5.20822),
        (166.1059, 5.16932), (173.4601, 5.09715), (181.1398, 5.02409), (189.1595, 4.94759),
        (199.6854, 4.81170), (210.7969, 4.68652), (222.5267, 4.67670), (234.9093, 4.63888),
        (247.9808, 4.59447), (261.7798, 4.53302), (276.3466, 4.46780), (291.7239, 4.40126),
        (298.1119, 4.37295), (304.6397, 4.30541), (321.5914, 4.10248), (339.4864, 3.90620),
        (358.3772, 3.72388), (378.3192, 3.55068), (399.3708, 3.38305), (421.5939, 3.22722),
        (445.0536, 3.07927), (469.8187, 2.93675), (495.9619, 2.80353), (523.5598, 2.67712),
        (552.6934, 2.55674), (583.4481, 2.44358), (615.9142, 2.33861), (650.1869, 2.24020),
        (686.3667, 2.14685), (724.5597, 2.05875), (764.8779, 1.97679), (807.4398, 1.90035),
        (852.3699, 1.82786), (899.8001, 1.76071), (949.8697, 1.69785), (1002.7253, 1.63886),
        (1058.5221, 1.58401), (1117.4238, 1.53287), (1179.6031, 1.48522), (1245.2424, 1.44080),
        (1314.5342, 1.39938), (1387.6818, 1.36075), (1464.8995, 1.32487), (1546.4141, 1.29171),
        (1632.4646, 1.26065), (1723.3033, 1.23225), (1819.1968, 1.20792), (1839.0066, 3.62738),
        (1899.7396, 3.45279), (2005.4509, 3.25667), (2117.0444, 3.08160), (2234.8479, 2.92155),
        (2359.2065, 2.77509), (2490.4851, 2.63989), (2629.0686, 2.51363), (2775.3638, 2.39594),
        (2929.7993, 2.28667), (3092.8284, 2.18478), (3264.9294, 2.09084), (3446.6069, 2.00332),
        (3638.3940, 1.92267), (3840.8533, 1.84808), (4054.5781, 1.77898), (4280.1958, 1.71540),
        (4518.3682, 1.65661), (4769.7939, 1.60236), (5035.2100, 1.55246), (5315.3950, 1.50614),
        (5611.1714, 1.46325), (5923.4058, 1.42436), (6253.0146, 1.38842), (6600.9648, 1.35584),
        (6968.2764, 1.32577), (7356.0278, 1.29831), (7765.3555, 1.27331), (8197.4600, 1.25044),
        (8653.6094, 1.22957), (9135.1406, 1.21045), (9643.4678, 1.19302), (10180.0811, 1.17709),
        (11344.5469, 1.14923), (12642.2129, 1.12598), (14088.3154, 1.10658), (15699.8330, 1.09036),
        (17495.6855, 1.07681), (19496.9609, 1.06545), (21727.1543, 1.05588), (24212.4551, 1.04789),
        (26982.0410, 1.04117), (29424.1270, 1.03655),
        (100_000, 1.005), (1_000_000, 1.0),
    ]

    /// The velocity the table is for, and its beta^2.
    static let betaGamma = 79.43
    static let beta2 = CollisionSpectrum.beta2(betaGamma: betaGamma)

    /// The share of collisions with transfers up to `energy` eV.
    static func share(below energy: Double) -> Double {
        let q = inverseQuantiles, target = 1 / energy
        guard target < q[0] else { return 0 }
        guard target > q[quantileCount] else { return 1 }
        var lo = 0, hi = quantileCount
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if q[mid] > target { lo = mid } else { hi = mid }
        }
        return (Double(lo) + (q[lo] - target) / (q[lo] - q[hi])) / Double(quantileCount)
    }

    /// The highest tabulated transfer (eV); above it the free-electron spectrum holds.
    static let top = 1_000_000.0

    /// K/2 (Z/A) rho for silicon, eV/um: the Rutherford coefficient the ratio multiplies.
    static let rutherford = 17.82

    /// Collisions per micrometre at beta = 1 with transfers up to `top`, and the inverses of the
    /// transfers at `quantileCount + 1` equally spaced cumulative probabilities. Between two
    /// of them a transfer is drawn from 1/E^2 (linear in 1/E): the local shape of the
    /// spectrum, and exact in the last interval, which reaches from 19 keV to the top.
    static let quantileCount = 4096
    static let (collisionRate, inverseQuantiles): (Double, [Double]) = {
        // dN/dlnE = rutherford r(E) / E on a fine grid in ln E, summed by the trapezoid rule.
        let n = 20_000
        let lo = log(ratio[0].0), hi = log(top)
        let h = (hi - lo) / Double(n)
        var j = 0
        var density = [Double](repeating: 0, count: n + 1)
        for i in 0...n {
            let u = lo + Double(i) * h
            while j < ratio.count - 2 && log(ratio[j + 1].0) < u { j += 1 }
            let (e0, r0) = ratio[j], (e1, r1) = ratio[j + 1]
            let t = min(max((u - log(e0)) / (log(e1) - log(e0)), 0), 1)
            density[i] = rutherford * (r0 + (r1 - r0) * t) / exp(u)
        }
        var cumulative = [Double](repeating: 0, count: n + 1)
        for i in 1...n { cumulative[i] = cumulative[i - 1] + 0.5 * (density[i - 1] + density[i]) * h }
        let total = cumulative[n]
        var q = [Double](repeating: 0, count: quantileCount + 1)
        var k = 0
        for m in 0...quantileCount {
            let target = total * Double(m) / Double(quantileCount)
            while k < n - 1 && cumulative[k + 1] < target { k += 1 }
            let f = cumulative[k + 1] > cumulative[k] ? (target - cumulative[k]) / (cumulative[k + 1] - cumulative[k]) : 0
            q[m] = exp(-(lo + (Double(k) + min(max(f, 0), 1)) * h))
        }
        return (total, q)
    }()
}
