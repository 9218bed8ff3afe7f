/// Parsing of quantities with units as users type them on command lines.
public enum Quantities {
    /// "2us", "500ns", "1.5ms", "3s", "10m", "1h" (also "µs", "min"); a bare number is not
    /// accepted: units matter.
    public static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("min", 60), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Double(text.dropLast(suffix.count)), v.isFinite, v >= 0 else { return nil }
            let ns = v * scale * 1e9
            guard ns < 1e18 else { return nil }
            return .nanoseconds(Int64(ns.rounded()))
        }
        return nil
    }

    /// "40MHz", "1kHz", "2.5GHz", "100Hz": a positive frequency in hertz.
    public static func frequency(_ text: String) -> Double? {
        let units: [(String, Double)] = [("GHz", 1e9), ("MHz", 1e6), ("kHz", 1e3), ("Hz", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Double(text.dropLast(suffix.count)), v.isFinite, v > 0 else { return nil }
            return v * scale
        }
        return nil
    }
}
