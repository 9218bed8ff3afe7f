import Foundation
import ZIPFoundation

/// A NumPy `.npz` archive: named arrays in a zip file (stored or deflated).
public enum NumPyArchive {
    public static func load(path: String) throws -> [String: NumPyArray] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var arrays: [String: NumPyArray] = [:]
        for entry in archive where entry.path.hasSuffix(".npy") {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            let name = String(entry.path.dropLast(4))
            arrays[name] = try NumPyArray(npy: data, name: "\(path):\(name)")
        }
        return arrays
    }
}

/// Where the project's shared reference data is: `../shared/reference` beside the package.
public enum SharedReference {
    /// The folder, if present (`SMARTPIX_REFERENCE` overrides).
    public static func directory(packageRoot: String) -> String? {
        let path =
            ProcessInfo.processInfo.environment["SMARTPIX_REFERENCE"]
            ?? URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/reference").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
