/// Why a message (or run file) was rejected: each case says what was wrong and where.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case noParts
    case truncated(part: String, field: String, offset: Int, needed: Int, available: Int)
    case badMagic(found: [UInt8])
    case unsupportedVersion(UInt16)
    case unknownKind(UInt8)
    case partCount(kind: String, expected: Int, found: Int)
    case reservedNotZero(part: String, field: String, offset: Int)
    case badBitWidth(UInt8)
    case badFlags(kind: String, flags: UInt16)
    case shape(String)
    case overflow(String)
    case lengthMismatch(part: String, expected: Int, found: Int)
    case badValue(part: String, field: String, detail: String)
    case badRunFile(offset: Int, detail: String)

    public var description: String {
        switch self {
        case .noParts: "message has no parts"
        case let .truncated(part, field, offset, needed, available):
            "\(part): truncated reading \(field) at byte \(offset): needs \(needed) bytes, \(available) left"
        case let .badMagic(found):
            "header: wrong magic \(found.map { String($0, radix: 16) }) at byte 0 (expected 'SPXR')"
        case let .unsupportedVersion(v): "header: protocol version \(v) at byte 4 is not supported (this reader speaks 1)"
        case let .unknownKind(k): "header: unknown message kind \(k) at byte 6"
        case let .partCount(kind, expected, found): "\(kind): header at byte 7 and flags say \(expected) parts, message has \(found)"
        case let .reservedNotZero(part, field, offset): "\(part): reserved field \(field) at byte \(offset) is not zero"
        case let .badBitWidth(b): "header: ADC bit width \(b) at byte 41 is not 2, 4 or 8"
        case let .badFlags(kind, flags): "header: payload flags 0x\(String(flags, radix: 16)) at byte 36 are not valid for \(kind)"
        case let .shape(detail): "header: frame shape \(detail)"
        case let .overflow(detail): "size overflow: \(detail)"
        case let .lengthMismatch(part, expected, found): "\(part): \(found) bytes present, header implies \(expected)"
        case let .badValue(part, field, detail): "\(part): \(field) \(detail)"
        case let .badRunFile(offset, detail): "run file at byte \(offset): \(detail)"
        }
    }
}
