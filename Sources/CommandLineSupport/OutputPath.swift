import ArgumentParser
import Foundation
import ReadoutProtocol

/// Files a command writes, named by a flag: checked before any work starts (a run must not
/// end in an unwritable path), and written whole or not at all (a temporary name in the same
/// folder, then a rename), so no partial file ever looks complete. Errors name the flag and
/// exit 64, as usage errors do.
public enum OutputPath {
    /// Throws unless `path` can be written: its folder exists and is writable, and it is not
    /// itself a folder.
    public static func check(_ path: String?, flag: String) throws {
        guard let path else { return }
        guard !path.isEmpty else { throw ValidationError("\(flag): empty path") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("\(flag) \(path): is a folder, not a file")
        }
        try checkWritableFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path, flag: flag, for: path)
    }

    /// Throws unless `path` is a writable folder, or can be made one (its parent exists and is writable).
    public static func checkFolder(_ path: String, flag: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw ValidationError("\(flag) \(path): is a file, not a folder") }
            guard access(path, W_OK) == 0 else { throw ValidationError("\(flag) \(path): the folder is not writable") }
            return
        }
        try checkWritableFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path, flag: flag, for: path)
    }

    private static func checkWritableFolder(_ folder: String, flag: String, for path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("\(flag) \(path): the folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw ValidationError("\(flag) \(path): the folder \(folder) is not writable") }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String, flag: String) throws {
        do { try WholeFile.write(data, to: path) } catch { throw ValidationError("\(flag) \(error)") }
    }

    /// Writes `value` as pretty, key-sorted JSON, atomically.
    public static func writeJSON(_ value: some Encodable, to path: String, flag: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try write(try encoder.encode(value), to: path, flag: flag)
    }
}
