import Foundation
import Randomness

/// A PixelAV-style track list: one track per line, 7 numbers separated by spaces or tabs:
/// cotBeta, cotAlpha, momentum (GeV), flipped (0/1), x_module, y_module (mm), signed pT
/// (GeV), and optionally 2 more: the hit's x-midplane and y-midplane (um from the array
/// centre; without them the hit is drawn over the central 3 x 3 pixels, as PixelAV does), so
/// that a PixelAV sample can be reproduced hit for hit. PixelAV names the angles the CMS way,
/// so its first column (the angle in the bending plane) is our cotBeta and its second (along
/// the beam) our cotAlpha. Blank lines and lines starting with '#' are skipped.
public struct TrackList: TrackSource {
    public struct Entry: Sendable, Equatable {
        public var cotBeta: Double, cotAlpha: Double, momentum: Double
        public var flipped: Bool
        public var xModule: Double, yModule: Double, pt: Double
        /// The hit at half thickness (x, y um), when the line gives it.
        public var hit: (x: Double, y: Double)?

        public static func == (a: Entry, b: Entry) -> Bool {
            a.cotBeta == b.cotBeta && a.cotAlpha == b.cotAlpha && a.momentum == b.momentum && a.flipped == b.flipped && a.xModule == b.xModule
                && a.yModule == b.yModule && a.pt == b.pt && a.hit?.x == b.hit?.x && a.hit?.y == b.hit?.y
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public let entries: [Entry]
    public let geometry: SensorGeometry
    var position = 0

    public init(entries: [Entry], geometry: SensorGeometry = .smartPixelsDefault) {
        self.entries = entries
        self.geometry = geometry
    }

    public static func load(path: String, geometry: SensorGeometry = .smartPixelsDefault) throws(Invalid) -> TrackList {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "\(path): cannot read the track list") }
        return try parse(String(decoding: data, as: UTF8.self), name: path, geometry: geometry)
    }

    public static func parse(_ text: String, name: String, geometry: SensorGeometry = .smartPixelsDefault) throws(Invalid) -> TrackList {
        var entries: [Entry] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let where_ = "\(name):\(i + 1)"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard fields.count == 7 || fields.count == 9 else {
                throw Invalid(
                    description:
                        "\(where_): expected 7 numbers (cotBeta cotAlpha momentum flipped x_module y_module pT), or 9 with x-midplane y-midplane, found \(fields.count)"
                )
            }
            var v: [Double] = []
            for (k, f) in fields.enumerated() {
                guard let x = Double(f), x.isFinite else { throw Invalid(description: "\(where_): field \(k + 1) '\(f)' is not a finite number") }
                v.append(x)
            }
            guard abs(v[0]) <= 20, abs(v[1]) <= 20 else { throw Invalid(description: "\(where_): angles beyond +-20 (cotBeta \(v[0]), cotAlpha \(v[1]))") }
            guard v[2] > 0 else { throw Invalid(description: "\(where_): momentum must be positive GeV, got \(v[2])") }
            guard v[3] == 0 || v[3] == 1 else { throw Invalid(description: "\(where_): flipped must be 0 or 1, got \(v[3])") }
            var hit: (x: Double, y: Double)?
            if v.count == 9 {
                let half = (x: geometry.pitchX * 21 / 2, y: geometry.pitchY * 13 / 2)
                guard abs(v[7]) <= half.x, abs(v[8]) <= half.y else {
                    throw Invalid(description: "\(where_): hit (\(v[7]), \(v[8])) um is outside the 13 x 21 region (|x| <= \(half.x), |y| <= \(half.y))")
                }
                hit = (v[7], v[8])
            }
            entries.append(Entry(cotBeta: v[0], cotAlpha: v[1], momentum: v[2], flipped: v[3] == 1, xModule: v[4], yModule: v[5], pt: v[6], hit: hit))
        }
        guard !entries.isEmpty else { throw Invalid(description: "\(name): no tracks") }
        return TrackList(entries: entries, geometry: geometry)
    }

    public mutating func next(_ rng: inout SplitMix64) -> Track? {
        guard position < entries.count else { return nil }
        let e = entries[position]
        position += 1
        let hit = e.hit ?? geometry.centralHit(&rng)
        return Track(
            cotAlpha: e.cotAlpha, cotBeta: e.cotBeta, xMidplane: hit.x, yMidplane: hit.y, momentum: e.momentum,
            charge: e.pt < 0 ? -1 : 1, pt: e.pt, yModule: e.yModule, xModule: e.xModule, flipped: e.flipped)
    }
}
