import Randomness
import Testing

@testable import ReadoutProtocol

@Suite struct BadInputTests {
    let valid: [[UInt8]] = {
        var rng = SplitMix64(seed: 10)
        let b = randomFrames(
            &rng, shape: FrameShape(rows: 13, columns: 21, slices: 2), format: CodeFormat(bits: 4, signed: true), records: 3, charge: false, truth: true)
        return framesMessage(b).encode()
    }()

    func decodeError(_ parts: [[UInt8]]) -> DecodeError? {
        do {
            _ = try StreamMessage.decode(parts)
            return nil
        } catch {
            return error
        }
    }

    func with(_ parts: [[UInt8]], byte: Int, of part: Int = 0, set value: UInt8) -> [[UInt8]] {
        var p = parts
        p[part][byte] = value
        return p
    }

    @Test func emptyMessage() { #expect(decodeError([]) == .noParts) }

    @Test func truncatedHeader() {
        let e = decodeError([Array(valid[0].prefix(20))] + valid.dropFirst())
        guard case .truncated(let part, let field, let offset, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(part == "header" && field == "sequence" && offset == 16)
        #expect(e!.description.contains("byte 16"))
    }

    @Test func wrongMagic() {
        #expect(decodeError(with(valid, byte: 0, set: 0x58)) == .badMagic(found: [0x58, 0x50, 0x58, 0x52]))
    }

    @Test func unknownVersion() {
        #expect(decodeError(with(valid, byte: 4, set: 2)) == .unsupportedVersion(2))
    }

    @Test func unknownKind() {
        #expect(decodeError(with(valid, byte: 6, set: 9)) == .unknownKind(9))
        #expect(decodeError(with(valid, byte: 6, set: 0)) == .unknownKind(0))
    }

    @Test func bitWidthNotAllowed() {
        for bits: UInt8 in [0, 1, 3, 5, 16] {
            #expect(decodeError(with(valid, byte: 41, set: bits)) == .badBitWidth(bits))
        }
    }

    @Test func recordCountDisagreesWithBytes() {
        let e = decodeError(with(valid, byte: 32, set: 4))
        #expect(e == .lengthMismatch(part: "frame records", expected: 4 * 32, found: 3 * 32))
    }

    @Test func codePartShorterThanShapeImplies() {
        var p = valid
        p[2].removeLast()
        #expect(decodeError(p) == .lengthMismatch(part: "codes", expected: 3 * 273, found: 3 * 273 - 1))
    }

    @Test func shapeMismatch() {
        // Claiming 3 slices while the codes were packed for 2.
        #expect(decodeError(with(valid, byte: 40, set: 3)) == .lengthMismatch(part: "codes", expected: 3 * ((13 * 21 * 3 * 4 + 7) / 8), found: 3 * 273))
        let zeroRows = decodeError(with(valid, byte: 38, set: 0))
        guard case .shape = zeroRows else { Issue.record("got \(String(describing: zeroRows))"); return }
    }

    @Test func partCountDisagreesWithMessage() {
        #expect(decodeError(Array(valid.dropLast())) == .partCount(kind: "frames", expected: 4, found: 3))
        #expect(decodeError(with(valid, byte: 7, set: 5)) == .partCount(kind: "frames", expected: 4, found: 5))
    }

    @Test func flagsThatNoFramesMessageCanHave() {
        #expect(decodeError(with(valid, byte: 36, set: 0x08 | 0x01)) == .badFlags(kind: "frames", flags: 0x09))
        #expect(decodeError(with(valid, byte: 36, set: 0x04)) == .badFlags(kind: "frames", flags: 0x04))
    }

    @Test func hugeRecordCountOverflowsNothing() {
        var p = valid
        p[0][32] = 0xFF; p[0][33] = 0xFF; p[0][34] = 0xFF; p[0][35] = 0xFF
        guard case .lengthMismatch(let part, let expected, _) = decodeError(p) else { Issue.record("expected a length mismatch"); return }
        #expect(part == "frame records" && expected == 4_294_967_295 * 32)
    }

    @Test func reservedBytesMustBeZero() {
        #expect(decodeError(with(valid, byte: 25, of: 1, set: 1)) == .reservedNotZero(part: "frame records", field: "reserved", offset: 24))
    }

    @Test func runStartWithBrokenJSON() {
        var rng = SplitMix64(seed: 11)
        var start = sampleMessages(&rng)[0].encode()
        let last = start[1].count - 1
        start[1][last] = UInt8(ascii: "x")  // '}' becomes 'x'
        #expect(decodeError(start) == .badValue(part: "run-start", field: "configuration", detail: "is not a JSON object"))
    }

    @Test func endOfRunWithRecordsInHeader() {
        var rng = SplitMix64(seed: 12)
        let eor = sampleMessages(&rng)[6].encode()
        #expect(
            decodeError(with(eor, byte: 32, set: 1))
                == .badValue(part: "header", field: "record count (byte 32)", detail: "is 1 in a end-of-run message, must be 0"))
    }

    @Test func decisionByteOtherThanZeroOrOne() {
        var rng = SplitMix64(seed: 13)
        let d = sampleMessages(&rng)[4].encode()
        let e = decodeError(with(d, byte: 20, of: 1, set: 2))
        guard case .badValue(let part, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(part == "decision records")
    }

    @Test func everyErrorSaysWhere() {
        let errors: [DecodeError] = [
            .badMagic(found: [1, 2, 3, 4]), .unsupportedVersion(9), .unknownKind(7), .badBitWidth(3),
            .lengthMismatch(part: "codes", expected: 10, found: 9),
        ]
        for e in errors { #expect(e.description.contains("byte") || e.description.contains("codes"), "\(e)") }
    }
}
