import Foundation

/// A new folder only this user can enter (mkdtemp, mode 0700) under $TMPDIR or /tmp, for a
/// command's scratch files: a predictable name could be planted beforehand (a symlink to
/// somewhere else), this cannot.
public struct PrivateTemporaryFolder: Sendable {
    public let url: URL

    public init(prefix: String) throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot make a temporary folder in \(base): \(String(cString: strerror(errno)))"])
        }
        url = URL(fileURLWithPath: String(cString: made))
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
