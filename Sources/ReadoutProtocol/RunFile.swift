#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Run files store a stream's messages exactly as they travel: a 16-byte file header, then
/// for each message its part count (u32), and for each part its length (u32) and bytes.
/// The layout is in docs/wire-protocol.md.
public enum RunFile {
    public static let magic: [UInt8] = Array("SPXRFILE".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 16
    /// Bounds that no valid message comes near; a larger value means a corrupt file.
    public static let maxParts = 16
    public static let maxPartBytes = 1 << 30

    static func fileHeader() -> [UInt8] {
        var w = ByteWriter(capacity: headerSize)
        w.raw(magic)
        w.u16(version)
        w.u16(UInt16(headerSize))
        w.u32(0)
        return w.bytes
    }
}

/// A failure to open, read or write a run file (decoding problems are `DecodeError`s).
public struct RunFileIOError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let detail: String
    public var description: String { "\(path): \(detail)" }
}

/// Writes messages to a run file. The messages go to PATH.partial, which `finish()` renames
/// to PATH: a run that never finished leaves no file that looks complete.
public final class RunFileWriter {
    private var file: UnsafeMutablePointer<FILE>?
    public let path: String
    /// Where the messages go until `finish()`.
    public var partialPath: String { path + ".partial" }
    public private(set) var messagesWritten: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0

    public init(path: String) throws(RunFileIOError) {
        self.path = path
        guard let f = fopen(path + ".partial", "wb") else {
            throw RunFileIOError(path: path, detail: "cannot create: \(String(cString: strerror(errno)))")
        }
        file = f
        try write(RunFile.fileHeader())
    }

    /// Closes the file and gives it its name. Later writes fail.
    public func finish() throws(RunFileIOError) {
        guard let f = file else { return }
        file = nil
        let flushed = fclose(f) == 0
        guard flushed, rename(partialPath, path) == 0 else {
            throw RunFileIOError(path: path, detail: "\(flushed ? "rename" : "close") failed: \(String(cString: strerror(errno)))")
        }
    }

    private func write(_ bytes: [UInt8]) throws(RunFileIOError) {
        guard let file else { throw RunFileIOError(path: path, detail: "written after finish()") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == bytes.count else { throw RunFileIOError(path: path, detail: "write failed: \(String(cString: strerror(errno)))") }
        bytesWritten += UInt64(n)
    }

    /// Appends one message (its parts, header part first).
    public func write(message parts: [[UInt8]]) throws(RunFileIOError) {
        precondition((1...RunFile.maxParts).contains(parts.count), "a message has 1...\(RunFile.maxParts) parts")
        var w = ByteWriter(capacity: 4 + parts.reduce(0) { $0 + 4 + $1.count })
        w.u32(UInt32(parts.count))
        for p in parts {
            w.u32(UInt32(p.count))
            p.withUnsafeBytes { w.raw($0) }
        }
        try write(w.bytes)
        messagesWritten += 1
    }

    /// Flushes buffered bytes to the file.
    public func flush() throws(RunFileIOError) {
        guard let file else { return }
        guard fflush(file) == 0 else { throw RunFileIOError(path: path, detail: "flush failed: \(String(cString: strerror(errno)))") }
    }

    deinit { if let file { fclose(file) } }
}

/// Reads a run file message by message, checking the framing; the messages themselves are
/// not decoded (replay sends them as they are; decode them with `StreamMessage.decode`).
public final class RunFileReader {
    private let file: UnsafeMutablePointer<FILE>
    public let path: String
    /// Byte offset of the next message.
    public private(set) var offset = 0

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case io(RunFileIOError)
        case format(path: String, DecodeError)
        public var description: String {
            switch self {
            case .io(let e): "\(e)"
            case let .format(path, e): "\(path): \(e)"
            }
        }
    }

    public init(path: String) throws(Failure) {
        guard let f = fopen(path, "rb") else {
            throw .io(RunFileIOError(path: path, detail: "cannot open: \(String(cString: strerror(errno)))"))
        }
        file = f
        self.path = path
        let header = try read(RunFile.headerSize, "the 16-byte file header", eofAllowed: false)!
        guard Array(header[0..<8]) == RunFile.magic else { throw bad(0, "wrong magic (expected 'SPXRFILE')") }
        let version = UInt16(header[8]) | UInt16(header[9]) << 8
        guard version == RunFile.version else { throw bad(8, "version \(version) is not supported (this reader reads 1)") }
        let size = Int(header[10]) | Int(header[11]) << 8
        guard size == RunFile.headerSize else { throw bad(10, "header size \(size), expected \(RunFile.headerSize)") }
        guard header[12..<16].allSatisfy({ $0 == 0 }) else { throw bad(12, "reserved bytes are not zero") }
    }

    deinit { fclose(file) }

    private func bad(_ at: Int, _ detail: String) -> Failure { .format(path: path, .badRunFile(offset: at, detail: detail)) }

    /// Reads exactly `n` bytes; `nil` only at a clean end of file when `eofAllowed`.
    private func read(_ n: Int, _ what: String, eofAllowed: Bool) throws(Failure) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: n)
        let got = n == 0 ? 0 : bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, n, file) }
        if got == n {
            offset += n
            return bytes
        }
        if ferror(file) != 0 { throw .io(RunFileIOError(path: path, detail: "read failed at byte \(offset): \(String(cString: strerror(errno)))")) }
        if got == 0 && eofAllowed { return nil }
        throw bad(offset, "truncated: \(what) needs \(n) bytes, \(got) left")
    }

    private func u32(_ what: String, eofAllowed: Bool = false) throws(Failure) -> Int? {
        guard let b = try read(4, what, eofAllowed: eofAllowed) else { return nil }
        return Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
    }

    /// The next message's parts, or `nil` at the end of the file.
    public func next() throws(Failure) -> [[UInt8]]? {
        let at = offset
        guard let n = try u32("a part count", eofAllowed: true) else { return nil }
        guard (1...RunFile.maxParts).contains(n) else { throw bad(at, "part count \(n) is not in 1...\(RunFile.maxParts)") }
        var parts: [[UInt8]] = []
        for i in 0..<n {
            let partAt = offset
            let length = try u32("the length of part \(i) of the message at byte \(at)")!
            guard length <= RunFile.maxPartBytes else { throw bad(partAt, "part length \(length) exceeds \(RunFile.maxPartBytes)") }
            parts.append(try read(length, "part \(i) of the message at byte \(at)", eofAllowed: false)!)
        }
        return parts
    }
}

@available(*, unavailable)
extension RunFileReader: Sendable {}
@available(*, unavailable)
extension RunFileWriter: Sendable {}
