import Foundation

/// Writes a file whole or not at all: the bytes go to a temporary name beside it, which a
/// rename(2) then gives the file's name. (Foundation's `.atomic` on Linux stages the file in
/// a `/tmp/TemporaryDirectory.*` folder that it leaves behind.)
public enum WholeFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write(_ data: Data, to path: String) throws(Failure) {
        let partial = "\(path).partial-\(getpid())"
        guard let file = fopen(partial, "wb") else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file) == 0
        guard written == data.count, closed, rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw Failure(path: path, reason: reason)
        }
    }
}
