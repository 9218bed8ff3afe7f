import Testing

@testable import ReadoutSim

@Suite struct SensorGeometryTests {
    @Test func seedTypesMatchTypesTxt() throws {
        // ../shared/seed/types.txt, dataset 2s.
        let expected = [
            "type1: 50 x 10 x 100 um at 100 V", "type2: 50 x 12.5 x 100 um at 100 V",
            "type3: 50 x 15 x 100 um at 100 V", "type4: 50 x 20 x 100 um at 100 V",
            "type5: 50 x 25 x 100 um at 100 V", "type6: 100 x 25 x 100 um at 100 V",
            "type7: 100 x 25 x 150 um at 175 V",
        ]
        #expect(SensorGeometry.seedTypes.map(\.description) == expected)
        #expect(SensorGeometry.seedTypes.map(\.typeID) == [1, 2, 3, 4, 5, 6, 7])
        #expect(try SensorGeometry.named("type2") == .smartPixelsDefault)
        #expect(try SensorGeometry.named("7").thickness == 150)
    }

    @Test func badGeometriesAreRefusedWithTheReason() {
        #expect(throws: SensorGeometry.Invalid.unknownName("type8")) { try SensorGeometry.named("type8") }
        #expect(throws: SensorGeometry.Invalid.unknownName("pixel")) { try SensorGeometry.named("pixel") }
        #expect(throws: SensorGeometry.Invalid.nonPositive(field: "pitch y (um)", value: 0)) {
            try SensorGeometry(pitchX: 50, pitchY: 0, thickness: 100, bias: 100)
        }
        #expect(throws: SensorGeometry.Invalid.nonPositive(field: "thickness (um)", value: -5)) {
            try SensorGeometry(pitchX: 50, pitchY: 12.5, thickness: -5, bias: 100)
        }
    }
}
